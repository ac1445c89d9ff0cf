"""FakeStorage: the storage conformance suite, plus the fake's own test hooks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microkube.contracts.storage import (
    CompactedError,
    EventType,
    Storage,
    StorageError,
    WatchEvent,
)
from microkube.testing.conformance.storage import StorageConformance
from microkube.testing.fakes.storage import FakeStorage


class TestFakeStorageConformance(StorageConformance):
    @pytest.fixture
    async def storage(self) -> AsyncIterator[FakeStorage]:
        backend = FakeStorage()
        await backend.start()
        yield backend
        await backend.close()

    async def let_time_pass(self, storage: Storage, seconds: float) -> None:
        assert isinstance(storage, FakeStorage)
        storage.advance_time(seconds)


@pytest.fixture
async def storage() -> AsyncIterator[FakeStorage]:
    backend = FakeStorage()
    await backend.start()
    yield backend
    await backend.close()


async def test_progress_notification_on_request(storage: FakeStorage) -> None:
    await storage.create("/a/1", b"v")
    watch = storage.watch("/a/", start_revision=1)
    await storage.create("/b/1", b"other prefix")
    watch.request_progress()
    first = await anext(watch)
    assert [e.kv.key for e in first.events] == ["/a/1"]
    progress = await anext(watch)
    assert progress.events == () and progress.revision == 2
    await watch.close()


async def test_notify_progress_reaches_every_watch(storage: FakeStorage) -> None:
    watches = [storage.watch("/x/", start_revision=0) for _ in range(2)]
    await storage.create("/y", b"v")
    storage.notify_progress()
    for watch in watches:
        response = await anext(watch)
        assert response.events == () and response.revision == 1
        await watch.close()


async def test_periodic_progress_when_idle() -> None:
    storage = FakeStorage(progress_interval=0.01)
    await storage.start()
    await storage.create("/k", b"v")
    watch = storage.watch("/other/", start_revision=0)
    response = await asyncio.wait_for(anext(watch), 1)
    assert response.events == () and response.revision == 1
    await storage.close()


async def test_batches_respect_max_batch_but_keep_a_revision_whole() -> None:
    storage = FakeStorage(max_batch=2)
    await storage.start()
    lease = await storage.grant_lease(60)
    for i in range(3):
        await storage.create(f"/k/{i}", b"v", lease=lease)
    await storage.create("/k/free", b"v")
    watch = storage.watch("/k/", start_revision=1)
    await storage.revoke_lease(lease)
    sizes = []
    revisions = []
    while sum(sizes) < 7:
        response = await anext(watch)
        sizes.append(len(response.events))
        revisions.append({e.kv.mod_revision for e in response.events})
    # Creates come two by two; the three deletions of one revoke share a revision and a batch.
    assert sizes == [2, 2, 3]
    assert len(revisions[-1]) == 1
    await storage.close()


async def test_lease_expiry_is_driven_by_advance_time(storage: FakeStorage) -> None:
    lease = await storage.grant_lease(10)
    await storage.create("/event", b"v", lease=lease)
    watch = storage.watch("/", start_revision=0)
    storage.advance_time(9.5)
    assert await storage.get("/event") is not None
    storage.advance_time(0.5)
    response = await anext(watch)
    assert [(e.type.value, e.kv.key) for e in response.events] == [("DELETE", "/event")]
    assert storage.lease_ids() == []
    await watch.close()


async def test_reaper_expires_leases_without_other_calls(storage: FakeStorage) -> None:
    lease = await storage.grant_lease(1)
    await storage.create("/event", b"v", lease=lease)
    watch = storage.watch("/", start_revision=0)
    storage.advance_time(0.98)  # 20 ms of real time left: only the reaper can notice
    response = await asyncio.wait_for(anext(watch), 2)
    assert response.events[0].kv.key == "/event"
    await watch.close()


async def test_calls_are_recorded(storage: FakeStorage) -> None:
    await storage.create("/a", b"1")
    await storage.get("/a", revision=1)
    assert [c.method for c in storage.calls] == ["start", "create", "get"]
    (call,) = storage.calls_to("get")
    assert call.args == ("/a",) and call.kwargs == {"revision": 1}


async def test_injected_failure_then_recovery(storage: FakeStorage) -> None:
    storage.fail("create", StorageError("disk full"), times=2)
    for _ in range(2):
        with pytest.raises(StorageError, match="disk full"):
            await storage.create("/a", b"1")
    assert await storage.create("/a", b"1") == 1
    assert len(storage.calls_to("create")) == 3


async def test_injected_delay(storage: FakeStorage) -> None:
    storage.delay("get", 0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await storage.get("/a")
    assert loop.time() - started >= 0.05


async def test_closed_storage_refuses_calls(storage: FakeStorage) -> None:
    await storage.close()
    with pytest.raises(StorageError, match="closed"):
        await storage.get("/a")


async def test_recompacting_an_old_revision_fails(storage: FakeStorage) -> None:
    for i in range(3):
        await storage.create(f"/k{i}", b"v")
    await storage.compact(2)
    with pytest.raises(CompactedError):
        await storage.compact(1)
    assert storage.compacted_revision == 2


async def test_values_must_be_bytes(storage: FakeStorage) -> None:
    with pytest.raises(TypeError):
        await storage.create("/a", "text")  # type: ignore[arg-type]


KEYS = st.sampled_from(["/r/a", "/r/b", "/r/c", "/s/a"])
OPS = st.lists(
    st.tuples(
        st.sampled_from(["create", "update", "delete", "compact"]), KEYS, st.binary(max_size=3)
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(ops=OPS)
def test_history_matches_a_model(ops: list[tuple[str, str, bytes]]) -> None:
    """Against a dict snapshot per revision: reads at every kept revision, and a watch from
    the compaction point replays exactly the changes since."""

    async def scenario() -> None:
        storage = FakeStorage()
        snapshots: dict[int, dict[str, bytes]] = {0: {}}
        current: dict[str, bytes] = {}
        for op, key, value in ops:
            try:
                if op == "create":
                    rev = await storage.create(key, value)
                    current[key] = value
                elif op == "update":
                    rev = await storage.update(key, value, expected_revision=0)
                    current[key] = value
                elif op == "delete":
                    rev = (await storage.delete(key)).mod_revision
                    del current[key]
                else:
                    await storage.compact(storage.revision)
                    continue
            except StorageError:
                continue
            snapshots[rev] = dict(current)
        for rev, snapshot in snapshots.items():
            if rev and rev < storage.compacted_revision:
                with pytest.raises(CompactedError):
                    await storage.range("/", revision=rev)
                continue
            if rev == 0:
                continue
            result = await storage.range("/r/", revision=rev)
            expected = {k: v for k, v in snapshot.items() if k.startswith("/r/")}
            assert {kv.key: kv.value for kv in result.items} == expected
        start = max(storage.compacted_revision, 1)
        if storage.revision >= start:
            # Replaying from ``start`` onto the state just before it gives the current state.
            state = dict(snapshots[max(r for r in snapshots if r < start)])
            replay = storage.watch("/", start_revision=start)
            events: list[WatchEvent] = []
            while not events or events[-1].kv.mod_revision < storage.revision:
                events.extend((await anext(replay)).events)
            for event in events:
                if event.type is EventType.PUT:
                    state[event.kv.key] = event.kv.value
                else:
                    del state[event.kv.key]
            assert state == current
        await storage.close()

    asyncio.run(scenario())
