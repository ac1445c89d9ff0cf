"""build_oci_archive writes a self-consistent OCI image layout."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

from microkube.images import archive_names
from microkube.testing.oci import CONFIG, LAYER, MANIFEST, build_oci_archive


def blobs(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def blob(files: dict[str, bytes], digest: str) -> bytes:
    data = files["blobs/sha256/" + digest.removeprefix("sha256:")]
    assert "sha256:" + hashlib.sha256(data).hexdigest() == digest
    return data


def test_layout_digests_and_content(tmp_path: Path) -> None:
    path = build_oci_archive(
        tmp_path / "img.tar",
        "example.local/tools:1.2",
        files={"/bin/busybox": (b"\x7fELF...", 0o755), "/etc/motd": b"hi\n"},
        symlinks={"/bin/sh": "busybox"},
        cmd=["sh"],
    )
    files = blobs(path)
    assert json.loads(files["oci-layout"]) == {"imageLayoutVersion": "1.0.0"}
    (entry,) = json.loads(files["index.json"])["manifests"]
    assert entry["annotations"]["io.containerd.image.name"] == "example.local/tools:1.2"
    assert entry["annotations"]["org.opencontainers.image.ref.name"] == "1.2"
    manifest = json.loads(blob(files, entry["digest"]))
    assert entry["mediaType"] == manifest["mediaType"] == MANIFEST
    assert manifest["config"]["mediaType"] == CONFIG
    config = json.loads(blob(files, manifest["config"]["digest"]))
    assert config["os"] == "linux" and config["config"]["Cmd"] == ["sh"]
    (layer_ref,) = manifest["layers"]
    assert layer_ref["mediaType"] == LAYER
    layer = blob(files, layer_ref["digest"])
    assert config["rootfs"]["diff_ids"] == [layer_ref["digest"]]
    with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert members["bin"].isdir() and members["etc"].isdir()
        assert members["bin/busybox"].mode == 0o755
        assert members["bin/sh"].issym() and members["bin/sh"].linkname == "busybox"
        assert tar.extractfile("etc/motd").read() == b"hi\n"  # type: ignore[union-attr]


def test_archive_names_reads_the_index(tmp_path: Path) -> None:
    path = build_oci_archive(tmp_path / "img.tar", "example.local/empty:latest")
    assert archive_names(path) == ["example.local/empty:latest"]
