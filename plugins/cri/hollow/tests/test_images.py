"""Hollow images: names as given, pull errors for unresolvable registries, archives."""

from __future__ import annotations

from pathlib import Path

import pytest
from microkube_cri_hollow.images import HollowImages, registry_host

from microkube.contracts.runtime import ImagePullError, RuntimeError_
from microkube.testing import build_oci_archive


def test_registry_host() -> None:
    assert registry_host("busybox") == "docker.io"
    assert registry_host("user/app:1") == "docker.io"
    assert registry_host("registry.k8s.io/pause:3.10") == "registry.k8s.io"
    assert registry_host("localhost:5000/app") == "localhost"


def test_pull_find_remove() -> None:
    images = HollowImages()
    image = images.pull("nginx:1.27")
    assert images.find("nginx:1.27") == image and images.find(image.id) == image
    with pytest.raises(ImagePullError, match="no such host"):
        images.pull("registry.invalid/app")
    images.remove(image.id)
    assert images.list() == []


def test_import_archive(tmp_path: Path) -> None:
    archive = build_oci_archive(tmp_path / "a.tar", "example.local/tools:3", files={"/x": b"x"})
    images = HollowImages()
    assert images.import_archive(str(archive)) == ["example.local/tools:3"]
    assert images.find("example.local/tools:3") is not None
    (tmp_path / "junk").write_bytes(b"junk")
    with pytest.raises(RuntimeError_, match="cannot import"):
        images.import_archive(str(tmp_path / "junk"))
