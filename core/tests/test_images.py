"""Image references and archives: containerd's normal form, the names an archive carries."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from microkube.images import archive_names, image_id, normalize_ref
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


def test_archive_names(tmp_path: Path) -> None:
    archive = build_oci_archive(tmp_path / "i.tar", "example.local/tools:2", files={"/a": b"a"})
    assert archive_names(str(archive)) == ["example.local/tools:2"]
    (tmp_path / "junk.tar").write_bytes(b"junk")
    with pytest.raises(tarfile.TarError):
        archive_names(str(tmp_path / "junk.tar"))


def test_the_id_of_a_reference_is_stable_and_distinct() -> None:
    assert image_id("docker.io/library/busybox:latest") == image_id(
        "docker.io/library/busybox:latest"
    )
    assert image_id("a") != image_id("b") and image_id("a").startswith("sha256:")
