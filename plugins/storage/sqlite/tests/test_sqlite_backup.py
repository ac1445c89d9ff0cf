"""The BackupCapable capability: online backup while the store is open, restore to a new file."""

from __future__ import annotations

import pytest
from microkube_storage_sqlite.backend import SqliteStorage

from microkube.contracts.storage import BackupCapable, StorageError


async def test_backup_of_an_open_store_restores_keys_revisions_and_leases(
    open_storage, db_path, tmp_path
):
    live = await open_storage()
    assert isinstance(live, BackupCapable)
    lease = await live.grant_lease(600)
    await live.create("/a", b"1")
    await live.create("/ev", b"e", lease=lease)
    await live.update("/a", b"2", expected_revision=0)
    revision = await live.current_revision()
    # Another, unstarted instance on the same file backs up (the owner keeps its lock).
    copy = tmp_path / "backup.sqlite"
    assert await SqliteStorage(db_path).backup(copy) == revision
    await live.create("/after", b"x")

    target = tmp_path / "restored" / "storage.sqlite"
    await SqliteStorage(target).restore(copy)
    restored = await open_storage(target)
    assert await restored.current_revision() == revision
    a = await restored.get("/a")
    assert (a.value, a.version, a.mod_revision) == (b"2", 2, revision)
    assert (await restored.get("/ev")).lease == lease
    assert await restored.get("/after") is None
    assert [kv.key for kv in (await restored.range("/")).items] == ["/a", "/ev"]


async def test_restore_refuses_a_target_holding_a_store(open_storage, db_path, tmp_path):
    live = await open_storage()
    await live.create("/a", b"1")
    copy = tmp_path / "backup.sqlite"
    await live.backup(copy)
    with pytest.raises(StorageError, match="already holds a store"):
        await SqliteStorage(db_path).restore(copy)


async def test_backup_and_restore_name_bad_files(tmp_path):
    with pytest.raises(StorageError, match="no SQLite store"):
        await SqliteStorage(tmp_path / "missing.sqlite").backup(tmp_path / "b")
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StorageError):
        await SqliteStorage(tmp_path / "new.sqlite").restore(junk)
    with pytest.raises(StorageError, match="no backup file"):
        await SqliteStorage(tmp_path / "new.sqlite").restore(tmp_path / "nothing")
