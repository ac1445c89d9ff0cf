"""Image records: reference normalisation, pull rules, archives, persistence."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from microkube_cri_process.images import ImageStore, archive_names, normalize_ref

from microkube.contracts.runtime import ImagePullError, RuntimeError_
from microkube.testing import build_oci_archive


@pytest.mark.parametrize(
    ("ref", "normal"),
    [
        ("busybox", "docker.io/library/busybox:latest"),
        ("library/busybox:1.36", "docker.io/library/busybox:1.36"),
        ("user/app", "docker.io/user/app:latest"),
        ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
        ("localhost:5000/a/b", "localhost:5000/a/b:latest"),
        ("nginx@sha256:" + "a" * 64, "docker.io/library/nginx@sha256:" + "a" * 64),
    ],
)
def test_references_are_normalised_as_containerd_does(ref: str, normal: str) -> None:
    assert normalize_ref(ref) == normal


@pytest.mark.parametrize("ref", ["", "Busybox", "a b", "busybox:"])
def test_malformed_references_are_refused(ref: str) -> None:
    with pytest.raises(ValueError, match="invalid image reference"):
        normalize_ref(ref)


def test_pull_rules_and_persistence(tmp_path: Path) -> None:
    store = ImageStore(str(tmp_path))
    image = store.record("busybox", pulled=True)
    assert store.find("docker.io/library/busybox:latest") == image
    assert store.find(image.id) == image
    with pytest.raises(ImagePullError, match="no such host"):
        store.record("registry.invalid/app:1", pulled=True)
    with pytest.raises(ImagePullError, match="invalid image reference"):
        store.record("Not Valid", pulled=True)
    assert [i.id for i in ImageStore(str(tmp_path)).list()] == [image.id]
    store.remove("busybox")
    assert ImageStore(str(tmp_path)).list() == []


def test_unreadable_records_are_an_error_not_a_loss(tmp_path: Path) -> None:
    (tmp_path / "images.json").write_text("{not json")
    with pytest.raises(RuntimeError_, match="cannot read the image records"):
        ImageStore(str(tmp_path))
    assert (tmp_path / "images.json").read_text() == "{not json"


def test_archive_names(tmp_path: Path) -> None:
    archive = build_oci_archive(tmp_path / "i.tar", "example.local/tools:2", files={"/a": b"a"})
    assert archive_names(str(archive)) == ["example.local/tools:2"]
    (tmp_path / "junk.tar").write_bytes(b"junk")
    with pytest.raises(tarfile.TarError):
        archive_names(str(tmp_path / "junk.tar"))
