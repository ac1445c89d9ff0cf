"""The atomic ``..data`` symlink-swap writer of ConfigMap/Secret/downward volumes."""

from __future__ import annotations

import os

import pytest
from microkube_kubelet.atomic_writer import DATA_DIR, write_atomically


def test_write_update_and_remove_keys(tmp_path):
    target = tmp_path / "vol"
    assert write_atomically(target, {"a": (b"1", 0o644), "dir/b": (b"2", 0o600)})
    assert (target / "a").read_bytes() == b"1"
    assert (target / "dir" / "b").read_bytes() == b"2"
    assert os.readlink(target / "a") == f"{DATA_DIR}/a"
    first = os.readlink(target / DATA_DIR)
    assert ((target / "dir" / "b").stat().st_mode & 0o777) == 0o600

    assert not write_atomically(target, {"a": (b"1", 0o644), "dir/b": (b"2", 0o600)})
    assert os.readlink(target / DATA_DIR) == first

    assert write_atomically(target, {"a": (b"changed", 0o644)})
    assert (target / "a").read_bytes() == b"changed"
    assert not (target / "dir").exists()
    assert os.readlink(target / DATA_DIR) != first
    assert not (target / first).exists()  # the old generation is gone
    hidden = [p.name for p in target.iterdir() if p.name.startswith("..")]
    assert sorted(hidden) == sorted([DATA_DIR, os.readlink(target / DATA_DIR)])


@pytest.mark.parametrize("bad", ["/abs", "../up", "a/../../b", "..hidden"])
def test_paths_must_stay_inside(tmp_path, bad):
    with pytest.raises(ValueError, match="invalid path"):
        write_atomically(tmp_path / "vol", {bad: (b"x", 0o644)})
