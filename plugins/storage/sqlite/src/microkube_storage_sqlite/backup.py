"""Backup and restore of the SQLite store through SQLite's online backup API.

``backup`` opens the database file read-only with a connection of its own (no writer lock:
the API server that owns the file keeps serving) and copies every page in one step, which
holds one read transaction: the copy is exactly one committed state, WAL content included.
The copy is written to a temporary file, checked, and renamed into place. ``restore`` copies
a backup into a database path that holds no store yet (refusing to overwrite one), so the
restored cluster starts with every key, its revisions, the revision counter, the compaction
point and the leases of the moment of the backup.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from microkube.contracts.storage import StorageError


def backup_file(source: Path, destination: Path) -> int:
    """Copy the store at ``source`` to ``destination``; return the copy's revision."""
    if not source.is_file():
        raise StorageError(f"no SQLite store at {source}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)  # pages=-1: everything in one step, one snapshot
                dst.execute("PRAGMA journal_mode=DELETE")
                revision = _revision(dst, source)
            finally:
                dst.close()
        finally:
            src.close()
        with open(partial, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(partial, destination)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(f"SQLite backup of {source} failed: {exc}") from None
    return revision


def restore_file(source: Path, target: Path) -> None:
    """Build the store at ``target`` (which must not exist) from the backup ``source``."""
    if not source.is_file():
        raise StorageError(f"no backup file at {source}")
    for path in (target, target.with_name(target.name + "-wal")):
        if path.exists() and path.stat().st_size > 0:
            raise StorageError(f"{target} already holds a store: restore needs a fresh one")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            _revision(src, source)
            (check,) = src.execute("PRAGMA quick_check").fetchone()
            if check != "ok":
                raise StorageError(f"{source} is damaged: {check}")
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise StorageError(f"cannot restore from {source}: {exc}") from None


def _revision(conn: sqlite3.Connection, path: Path) -> int:
    try:
        row = conn.execute("SELECT revision FROM meta WHERE id = 1").fetchone()
    except sqlite3.DatabaseError:
        row = None
    if row is None:
        raise StorageError(f"{path} is not a microkube SQLite store")
    return int(row[0])
