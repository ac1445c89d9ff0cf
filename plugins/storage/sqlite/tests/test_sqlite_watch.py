"""Watches beyond the conformance suite: progress, slow watchers, the ring and the table."""

from __future__ import annotations

import asyncio

import pytest
from microkube_storage_sqlite import watch as watch_module

from microkube.contracts.storage import CompactedError, EventType, WatchEvent, WatchResponse


async def _next(watch) -> WatchResponse:
    async with asyncio.timeout(5):
        return await anext(aiter(watch))


async def _collect(watch, n: int) -> list[WatchEvent]:
    found: list[WatchEvent] = []
    while len(found) < n:
        found.extend((await _next(watch)).events)
    return found


async def test_idle_watch_gets_progress_notifications(open_storage):
    storage = await open_storage(progress_interval=0.05)
    await storage.create("/elsewhere/a", b"v")
    watch = storage.watch("/quiet/", start_revision=0)
    await storage.create("/elsewhere/b", b"v")
    response = await _next(watch)
    assert response.events == ()
    assert response.revision == await storage.current_revision()
    await watch.close()


async def test_requested_progress_comes_after_queued_events(open_storage):
    storage = await open_storage(progress_interval=0)
    watch = storage.watch("/p/", start_revision=0)
    rev = await storage.create("/p/a", b"v")
    storage.notify_progress()
    first, second = await _next(watch), await _next(watch)
    assert [e.kv.mod_revision for e in first.events] == [rev]
    assert second.events == () and second.revision == rev
    await watch.close()


async def test_a_slow_watcher_catches_up_from_the_table(open_storage):
    storage = await open_storage(watch_cache_size=20, watch_buffer_limit=10)
    start = await storage.current_revision() + 1
    watch = storage.watch("/slow/", start_revision=start)
    fast = storage.watch("/slow/", start_revision=start)
    for i in range(150):
        await storage.create(f"/slow/{i:03d}", str(i).encode())
        if i % 3 == 0:
            await storage.create(f"/other/{i:03d}", b"x")
        # The fast watcher keeps up; the slow one reads nothing until the end.
        assert [e.kv.key for e in await _collect(fast, 1)] == [f"/slow/{i:03d}"]
    events = await _collect(watch, 150)
    assert [e.kv.key for e in events] == [f"/slow/{i:03d}" for i in range(150)]
    revisions = [e.kv.mod_revision for e in events]
    assert revisions == sorted(set(revisions))
    # Then it is live again.
    rev = await storage.create("/slow/live", b"v")
    assert [e.kv.mod_revision for e in await _collect(watch, 1)] == [rev]
    await watch.close()
    await fast.close()


async def test_a_slow_watcher_overtaken_by_compaction_is_told(open_storage):
    storage = await open_storage(watch_cache_size=5, watch_buffer_limit=5)
    watch = storage.watch("/s/", start_revision=0)
    for i in range(30):
        await storage.create(f"/s/{i:02d}", b"v")
    await storage.compact(await storage.current_revision())
    with pytest.raises(CompactedError):
        await _collect(watch, 30)
    assert watch.closed


async def test_watch_from_a_future_revision(open_storage):
    storage = await open_storage()
    start = await storage.current_revision() + 3
    watch = storage.watch("/f/", start_revision=start)
    for i in range(5):
        await storage.create(f"/f/{i}", b"v")
    events = await _collect(watch, 3)
    assert [e.kv.mod_revision for e in events] == [start, start + 1, start + 2]
    await watch.close()


@pytest.mark.parametrize("ring", [10_000, 1], ids=["from-ring", "from-table"])
async def test_one_revision_is_never_split_across_responses(open_storage, monkeypatch, ring):
    monkeypatch.setattr(watch_module, "MAX_RESPONSE_EVENTS", 2)
    storage = await open_storage(watch_cache_size=ring)
    lease = await storage.grant_lease(60)
    start = await storage.current_revision() + 1
    for name in "abc":
        await storage.create(f"/r/{name}", b"v", lease=lease)
    await storage.revoke_lease(lease)  # three DELETEs in one revision
    watch = storage.watch("/r/", start_revision=start)
    responses: list[WatchResponse] = []
    while sum(len(r.events) for r in responses) < 6:
        responses.append(await _next(watch))
    await watch.close()
    assert len(responses) > 1  # the cap applies ...
    with_deletes = [r for r in responses if any(e.type is EventType.DELETE for e in r.events)]
    # ... but never inside a revision.
    assert len(with_deletes) == 1
    assert [e.kv.key for e in with_deletes[0].events if e.type is EventType.DELETE] == [
        "/r/a",
        "/r/b",
        "/r/c",
    ]


async def test_closing_a_watch_forgets_it(open_storage):
    storage = await open_storage()
    watches = [storage.watch("/", start_revision=0) for _ in range(3)]
    assert storage.watch_count == 3
    for w in watches:
        await w.close()
    assert storage.watch_count == 0


def test_ring_evicts_whole_revisions():
    from microkube.contracts.storage import KeyValue

    def put(key: str, rev: int) -> WatchEvent:
        return WatchEvent(
            type=EventType.PUT,
            kv=KeyValue(key=key, value=b"", create_revision=rev, mod_revision=rev),
        )

    ring = watch_module.EventRing(capacity=3, start=1)
    ring.extend([put("a", 1), put("b", 2), put("c", 2)])
    assert ring.start == 1 and len(ring) == 3
    ring.extend([put("d", 3)])  # one over: revision 1 goes
    assert ring.start == 2 and [e.kv.key for e in ring.since(2)] == ["b", "c", "d"]
    ring.extend([put("e", 4)])  # one over: all of revision 2 goes, not half of it
    assert ring.start == 3 and [e.kv.key for e in ring.since(3)] == ["d", "e"]
    assert [e.kv.key for e in ring.since(4)] == ["e"]
    assert ring.since(5) == []


async def test_cancelling_a_reader_as_it_wakes_up_is_not_lost(open_storage):
    storage = await open_storage(progress_interval=30)
    watch = storage.watch("/c/", start_revision=0)
    seen: list[WatchResponse] = []

    async def read_forever() -> None:
        async for response in watch:
            seen.append(response)

    reader = asyncio.ensure_future(read_forever())
    await asyncio.sleep(0.01)  # the reader waits, with a progress timeout running
    storage.notify_progress()  # wakes it ...
    await asyncio.sleep(0)
    reader.cancel()  # ... and cancels it around the same moment: it must end
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(2):
            await reader
    await watch.close()
