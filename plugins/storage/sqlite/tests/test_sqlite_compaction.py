"""Compaction: what it keeps, what it removes from the file, in steps, and on a timer."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from microkube_storage_sqlite import writer as writer_module

from microkube.contracts.storage import CompactedError, EventType, FutureRevisionError


def _rows(db_path) -> list[tuple[str, int, int]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT key, rev, deleted FROM kv ORDER BY rev, key").fetchall()
    finally:
        conn.close()


async def test_compaction_removes_superseded_rows_and_keeps_the_visible_ones(open_storage, db_path):
    storage = await open_storage()
    a1 = await storage.create("/a", b"1")
    a2 = await storage.update("/a", b"2", expected_revision=a1)
    b1 = await storage.create("/b", b"1")
    b_gone = (await storage.delete("/b")).mod_revision
    c1 = await storage.create("/c", b"1")
    c_gone = (await storage.delete("/c")).mod_revision  # a tombstone at the point stays
    a3 = await storage.update("/a", b"3", expected_revision=a2)  # after the point
    await storage.compact(c_gone)

    assert _rows(db_path) == [("/a", a2, 0), ("/c", c_gone, 1), ("/a", a3, 0)]
    assert b1 < b_gone < c1
    # Reads at the point and later are unchanged.
    at_point = await storage.range("/", revision=c_gone)
    assert [(kv.key, kv.value) for kv in at_point.items] == [("/a", b"2")]
    now = await storage.get("/a")
    assert now is not None and (now.value, now.version, now.create_revision) == (b"3", 3, a1)
    # A watch from the point still sees the DELETE there, with the deleted value.
    watch = storage.watch("/", start_revision=c_gone)
    async with asyncio.timeout(5):
        response = await anext(aiter(watch))
    await watch.close()
    gone, put = response.events
    assert gone.type is EventType.DELETE and gone.kv.key == "/c"
    assert gone.prev_kv is not None and gone.prev_kv.value == b"1"
    assert put.kv.mod_revision == a3

    # The next compaction takes the tombstone too.
    await storage.compact(a3)
    assert _rows(db_path) == [("/a", a3, 0)]


async def test_compacted_and_future_points_are_refused(open_storage):
    storage = await open_storage()
    r1 = await storage.create("/a", b"1")
    r2 = await storage.update("/a", b"2", expected_revision=r1)
    await storage.compact(r2)
    with pytest.raises(CompactedError):
        await storage.compact(r1)
    with pytest.raises(CompactedError):
        await storage.compact(r2)
    with pytest.raises(FutureRevisionError):
        await storage.compact(r2 + 1)


async def test_compaction_in_many_small_steps_matches_one_step(open_storage, tmp_path, monkeypatch):
    async def churn(storage) -> list[int]:
        revisions = []
        for i in range(60):
            key = f"/k/{i % 7}"
            kv = await storage.get(key)
            if kv is None:
                revisions.append(await storage.create(key, f"{i}".encode()))
            elif i % 5 == 0:
                revisions.append((await storage.delete(key)).mod_revision)
            else:
                revisions.append(await storage.update(key, f"{i}".encode(), expected_revision=0))
        return revisions

    whole = await open_storage(tmp_path / "whole.sqlite")
    revisions = await churn(whole)
    monkeypatch.setattr(writer_module, "COMPACT_STEP_REVISIONS", 3)
    stepped = await open_storage(tmp_path / "stepped.sqlite")
    assert await churn(stepped) == revisions

    for point in (revisions[20], revisions[41], revisions[-1]):
        await whole.compact(point)
        await stepped.compact(point)
        assert _rows(tmp_path / "stepped.sqlite") == _rows(tmp_path / "whole.sqlite")
        for at in range(point, revisions[-1] + 1):
            expected = await whole.range("/k/", revision=at)
            assert await stepped.range("/k/", revision=at) == expected


async def test_writes_go_on_while_a_compaction_is_in_steps(open_storage, monkeypatch):
    monkeypatch.setattr(writer_module, "COMPACT_STEP_REVISIONS", 5)
    storage = await open_storage()
    await storage.create("/hot", b"0")
    for i in range(1, 200):
        await storage.update("/hot", str(i).encode(), expected_revision=0)
    point = await storage.current_revision()
    compaction = asyncio.ensure_future(storage.compact(point))
    written = [await storage.create(f"/new/{i}", b"v") for i in range(20)]
    await compaction
    assert written == sorted(written) and written[0] > point
    kv = await storage.get("/hot")
    assert kv is not None and kv.value == b"199" and kv.version == 200


async def test_periodic_compaction_keeps_the_last_revisions(open_storage):
    storage = await open_storage(
        compaction_interval=0.05, compaction_retain_revisions=3, compaction_retain_seconds=0
    )
    first = await storage.create("/p", b"0")
    for i in range(1, 10):
        await storage.update("/p", str(i).encode(), expected_revision=0)
    current = await storage.current_revision()
    async with asyncio.timeout(5):
        while True:
            try:
                await storage.get("/p", revision=first)
            except CompactedError as exc:
                assert exc.compact_revision == current - 3
                break
            await asyncio.sleep(0.02)
    kv = await storage.get("/p", revision=current - 3)
    assert kv is not None and kv.value == b"6"
