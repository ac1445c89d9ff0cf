"""What survives closing and reopening the database file."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from microkube_storage_sqlite.backend import SqliteStorage
from microkube_storage_sqlite.options import SqliteOptions

from microkube.contracts.storage import (
    CompactedError,
    EventType,
    KeyValue,
    StorageError,
    WatchEvent,
)


async def _events(storage: SqliteStorage, prefix: str, start: int, n: int) -> list[WatchEvent]:
    watch = storage.watch(prefix, start_revision=start)
    found: list[WatchEvent] = []
    try:
        async with asyncio.timeout(5):
            async for response in watch:
                found.extend(response.events)
                if len(found) >= n:
                    break
    finally:
        await watch.close()
    return found


async def test_reopen_keeps_data_and_continues_the_revision(open_storage, db_path):
    first = await open_storage()
    r1 = await first.create("/k/a", b"a1")
    r2 = await first.update("/k/a", b"a2", expected_revision=r1)
    r3 = await first.create("/k/b", b"b1")
    r4 = (await first.delete("/k/b")).mod_revision
    await first.close()

    second = await open_storage()
    assert await second.current_revision() == r4
    assert await second.get("/k/a") == KeyValue(
        key="/k/a", value=b"a2", create_revision=r1, mod_revision=r2, version=2
    )
    assert await second.get("/k/b") is None
    # History written before the restart is still readable at its revisions.
    at3 = await second.range("/k/", revision=r3)
    assert [(kv.key, kv.value) for kv in at3.items] == [("/k/a", b"a2"), ("/k/b", b"b1")]
    r5 = await second.create("/k/c", b"c1")
    assert r5 == r4 + 1


async def test_watch_resumes_across_a_restart(open_storage):
    first = await open_storage()
    start = await first.create("/w/a", b"1")
    await first.update("/w/a", b"2", expected_revision=0)
    await first.delete("/w/a")
    await first.close()

    second = await open_storage()
    watch = second.watch("/w/", start_revision=start)
    await second.create("/w/b", b"after")
    found: list[WatchEvent] = []
    async with asyncio.timeout(5):
        async for response in watch:
            found.extend(response.events)
            if len(found) >= 4:
                break
    await watch.close()
    assert [(e.type, e.kv.key, e.kv.value) for e in found] == [
        (EventType.PUT, "/w/a", b"1"),
        (EventType.PUT, "/w/a", b"2"),
        (EventType.DELETE, "/w/a", b""),
        (EventType.PUT, "/w/b", b"after"),
    ]
    # Replayed from the table, events carry what the live ones carry.
    assert found[1].prev_kv is not None and found[1].prev_kv.value == b"1"
    assert found[2].prev_kv is not None and found[2].prev_kv.value == b"2"


async def test_compaction_point_survives_a_restart(open_storage):
    first = await open_storage()
    r1 = await first.create("/c/a", b"1")
    r2 = await first.update("/c/a", b"2", expected_revision=r1)
    await first.compact(r2)
    await first.close()

    second = await open_storage()
    with pytest.raises(CompactedError) as info:
        await second.get("/c/a", revision=r1)
    assert info.value.compact_revision == r2
    with pytest.raises(CompactedError):
        await _events(second, "/c/", r1, 1)
    kv = await second.get("/c/a", revision=r2)
    assert kv is not None and kv.value == b"2"


async def test_expired_lease_deletes_its_keys_at_the_next_start(open_storage, clock):
    first = await open_storage()
    lease = await first.grant_lease(10)
    await first.create("/l/event", b"e", lease=lease)
    await first.create("/l/free", b"f")
    before = await first.current_revision()
    await first.close()

    clock.advance(11)  # the lease runs out while nothing is running
    second = await open_storage()
    # Already gone when start() returns, with a DELETE event a resumed watch sees.
    assert await second.get("/l/event") is None
    assert await second.get("/l/free") is not None
    (gone,) = await _events(second, "/l/", before + 1, 1)
    assert gone.type is EventType.DELETE and gone.kv.key == "/l/event"
    assert gone.prev_kv is not None and gone.prev_kv.lease == lease
    with pytest.raises(StorageError):
        await second.create("/l/again", b"x", lease=lease)


async def test_live_lease_keeps_its_deadline_across_a_restart(open_storage, clock):
    first = await open_storage()
    lease = await first.grant_lease(10)
    await first.create("/l/event", b"e", lease=lease)
    await first.close()

    clock.advance(6)
    second = await open_storage()
    kv = await second.get("/l/event")
    assert kv is not None and kv.lease == lease
    clock.advance(3)  # 9 s in total: not yet (the TTL is not restarted on reopen)
    assert await second.expire_leases() == 0
    clock.advance(2)
    assert await second.expire_leases() == 1
    assert await second.get("/l/event") is None


async def test_lease_ids_are_not_reused_after_a_restart(open_storage):
    first = await open_storage()
    old = await first.grant_lease(30)
    await first.revoke_lease(old)
    await first.close()
    second = await open_storage()
    assert await second.grant_lease(30) > old


async def test_second_process_on_the_same_file_is_refused(open_storage, db_path):
    await open_storage()
    intruder = SqliteStorage(db_path, SqliteOptions(compaction_interval=0))
    with pytest.raises(StorageError, match="in use"):
        await intruder.start()
    await intruder.close()


async def test_database_file_location(tmp_path):
    from microkube.contracts import FactoryContext

    default = SqliteStorage.from_context(FactoryContext(data_dir=tmp_path / "data"))
    assert default.path == tmp_path / "data" / "storage.sqlite"
    chosen = SqliteStorage.from_context(
        FactoryContext(data_dir=tmp_path, options={"path": str(tmp_path / "x" / "y.db")})
    )
    await chosen.start()
    await chosen.create("/a", b"1")
    await chosen.close()
    conn = sqlite3.connect(tmp_path / "x" / "y.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT count(*) FROM kv").fetchone()[0] == 1
    conn.close()


async def test_close_is_idempotent_and_final(open_storage):
    storage = await open_storage()
    await storage.create("/a", b"1")
    await storage.close()
    await storage.close()
    for call in (storage.get("/a"), storage.create("/b", b"2"), storage.range("/")):
        with pytest.raises(StorageError):
            await call


async def test_close_right_after_a_lease_grant_is_prompt(open_storage):
    storage = await open_storage()
    await storage.grant_lease(600)
    await asyncio.sleep(0.01)  # the expiry task now waits for that lease's deadline
    await storage.grant_lease(600)  # wakes it; it has not run yet
    async with asyncio.timeout(2):
        await storage.close()
