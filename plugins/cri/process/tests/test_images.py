"""Image records: reference normalisation, pull rules, archives, persistence."""

from __future__ import annotations

from pathlib import Path

import pytest
from microkube_cri_process.images import ImageStore

from microkube.contracts.runtime import ImagePullError, RuntimeError_


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
