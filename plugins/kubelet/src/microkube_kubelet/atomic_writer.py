"""Writes a volume's files so readers never see a half-updated set, as upstream's
``AtomicWriter``: the files live in a timestamped directory ``..<time>``, ``..data`` is a
symlink to it and each visible name is a symlink through ``..data``; an update writes a new
directory and swaps ``..data`` with one ``rename``."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

__all__ = ["DATA_DIR", "FileProjection", "write_atomically"]

DATA_DIR = "..data"
_DATA_TMP = "..data_tmp"

#: relative path -> (content, mode)
FileProjection = Mapping[str, tuple[bytes, int]]


def _check_paths(payload: FileProjection) -> None:
    for rel in payload:
        parts = Path(rel).parts
        if not rel or Path(rel).is_absolute() or ".." in parts or parts[0].startswith(".."):
            raise ValueError(f"invalid path {rel!r}: must be relative, without '..'")


def _current(target: Path) -> dict[str, tuple[bytes, int]] | None:
    data = target / DATA_DIR
    if not data.is_symlink():
        return None
    found: dict[str, tuple[bytes, int]] = {}
    root = data.resolve()
    for path in root.rglob("*"):
        if path.is_file():
            found[str(path.relative_to(root))] = (path.read_bytes(), path.stat().st_mode & 0o7777)
    return found


def write_atomically(target: str | os.PathLike[str], payload: FileProjection) -> bool:
    """Make ``target`` hold exactly ``payload``; False if it already did (nothing written)."""
    _check_paths(payload)
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    if _current(target) == {k: (v, m & 0o7777) for k, (v, m) in payload.items()}:
        return False
    old = os.readlink(target / DATA_DIR) if (target / DATA_DIR).is_symlink() else None
    stamp = time.strftime("..%Y_%m_%d_%H_%M_%S.", time.gmtime())
    fresh = Path(tempfile.mkdtemp(prefix=stamp, dir=target))
    fresh.chmod(0o755)
    for rel, (content, mode) in payload.items():
        path = fresh / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        path.chmod(mode & 0o7777)
    tmp = target / _DATA_TMP
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(fresh.name)
    os.replace(tmp, target / DATA_DIR)
    visible = {Path(rel).parts[0] for rel in payload}
    for name in visible:
        link = target / name
        if not link.is_symlink():
            if link.exists():
                shutil.rmtree(link) if link.is_dir() else link.unlink()
            link.symlink_to(Path(DATA_DIR) / name)
    for entry in target.iterdir():
        if entry.name.startswith(".."):
            continue
        if entry.is_symlink() and entry.name not in visible:
            entry.unlink()
    if old and old != fresh.name:
        shutil.rmtree(target / old, ignore_errors=True)
    return True
