"""The storage conformance suite: etcd v3 semantics every backend must show.

Subclass it in a test module and provide a ``storage`` fixture yielding a *started* backend
(and closing it at teardown; the suite may already have closed it, so ``close()`` must be
idempotent)::

    from microkube.testing.conformance import StorageConformance

    class TestSqliteStorage(StorageConformance):
        @pytest_asyncio.fixture
        async def storage(self, tmp_path):
            backend = SqliteStorage(tmp_path / "db")
            await backend.start()
            yield backend
            await backend.close()

Every test works under its own key prefix, so a shared server (a real etcd) may be reused
across tests; only the compaction tests affect the whole store. Tune with the class
attributes ``timeout`` (seconds to wait for a watch event) and ``lease_ttl``, and override
:meth:`StorageConformance.let_time_pass` when the backend's lease clock can be moved without
sleeping.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from microkube.contracts.storage import (
    CompactedError,
    EventType,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    RevisionMismatchError,
    Storage,
    StorageError,
    Watch,
    WatchEvent,
    WatchResponse,
)


class WatchReader:
    """Reads one :class:`Watch` with timeouts, event by event (progress responses kept apart)."""

    def __init__(self, watch: Watch, timeout: float) -> None:
        self.watch = watch
        self.timeout = timeout
        self.responses: list[WatchResponse] = []
        self._iterator = watch.__aiter__()
        self._pending: deque[WatchEvent] = deque()

    async def response(self) -> WatchResponse:
        """The next response (events or progress); AssertionError after ``timeout``."""
        try:
            async with asyncio.timeout(self.timeout):
                resp = await anext(self._iterator)
        except TimeoutError:
            raise AssertionError(f"no watch response within {self.timeout}s") from None
        self.responses.append(resp)
        return resp

    async def events(self, n: int) -> list[WatchEvent]:
        """Exactly the next ``n`` events."""
        while len(self._pending) < n:
            self._pending.extend((await self.response()).events)
        return [self._pending.popleft() for _ in range(n)]

    async def ended(self) -> bool:
        """True once the iteration stops (StopAsyncIteration) within ``timeout``."""
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    await anext(self._iterator)
        except StopAsyncIteration:
            return True
        except TimeoutError:
            return False


#: What the ``open_watch`` fixture yields: ``open_watch(prefix, start_revision)``.
OpenWatch = Callable[[str, int], WatchReader]


def _key_order(events: list[WatchEvent]) -> list[tuple[str, str, bytes]]:
    return [(e.type.value, e.kv.key, e.kv.value) for e in events]


class StorageConformance:
    """Base class of a backend's storage conformance tests (see the module docstring)."""

    pytestmark = pytest.mark.asyncio

    #: Seconds to wait for a watch response before failing.
    timeout: float = 5.0
    #: The TTL (seconds) of leases the lease tests grant.
    lease_ttl: int = 2
    #: Concurrent tasks in the concurrency tests.
    concurrency: int = 8

    async def let_time_pass(self, storage: Storage, seconds: float) -> None:
        """Make ``seconds`` pass for the backend's lease clock. The default sleeps; a backend
        with a controllable clock overrides it (the fake calls ``advance_time``)."""
        await asyncio.sleep(seconds)

    @pytest.fixture
    def prefix(self) -> str:
        """A key prefix of this test's own."""
        return f"/conformance/{uuid.uuid4().hex[:12]}/"

    @pytest_asyncio.fixture
    async def open_watch(self, storage: Storage) -> AsyncIterator[OpenWatch]:
        readers: list[WatchReader] = []

        def open_(prefix: str, start_revision: int) -> WatchReader:
            reader = WatchReader(storage.watch(prefix, start_revision=start_revision), self.timeout)
            readers.append(reader)
            return reader

        yield open_
        for reader in readers:
            await reader.watch.close()

    # -- basics -------------------------------------------------------------------------

    async def test_fulfils_protocol(self, storage: Storage) -> None:
        assert isinstance(storage, Storage)

    async def test_create_then_get(self, storage: Storage, prefix: str) -> None:
        rev = await storage.create(prefix + "a", b"one")
        assert isinstance(rev, int) and rev > 0
        kv = await storage.get(prefix + "a")
        assert kv == KeyValue(
            key=prefix + "a", value=b"one", create_revision=rev, mod_revision=rev, version=1
        )
        assert await storage.current_revision() == rev

    async def test_get_missing_is_none(self, storage: Storage, prefix: str) -> None:
        assert await storage.get(prefix + "nothing") is None

    async def test_writes_increase_revision(self, storage: Storage, prefix: str) -> None:
        before = await storage.current_revision()
        r1 = await storage.create(prefix + "a", b"1")
        r2 = await storage.create(prefix + "b", b"2")
        r3 = await storage.update(prefix + "a", b"3", expected_revision=r1)
        r4 = (await storage.delete(prefix + "b")).mod_revision
        assert before < r1 < r2 < r3 < r4
        assert await storage.current_revision() == r4

    async def test_values_are_bytes_verbatim(self, storage: Storage, prefix: str) -> None:
        blobs = {"empty": b"", "binary": bytes(range(256)), "large": b"x" * 256 * 1024}
        for name, blob in blobs.items():
            await storage.create(prefix + name, blob)
        for name, blob in blobs.items():
            kv = await storage.get(prefix + name)
            assert kv is not None and kv.value == blob, name

    # -- create / update / delete -------------------------------------------------------

    async def test_create_existing_key_fails(self, storage: Storage, prefix: str) -> None:
        rev = await storage.create(prefix + "a", b"first")
        with pytest.raises(KeyExistsError) as info:
            await storage.create(prefix + "a", b"second")
        assert info.value.key == prefix + "a"
        kv = await storage.get(prefix + "a")
        assert kv is not None and kv.value == b"first" and kv.mod_revision == rev
        assert await storage.current_revision() == rev

    async def test_create_after_delete_starts_a_new_life(
        self, storage: Storage, prefix: str
    ) -> None:
        await storage.create(prefix + "a", b"1")
        await storage.update(prefix + "a", b"2", expected_revision=0)
        await storage.delete(prefix + "a")
        rev = await storage.create(prefix + "a", b"3")
        kv = await storage.get(prefix + "a")
        assert kv is not None
        assert (kv.value, kv.create_revision, kv.mod_revision, kv.version) == (b"3", rev, rev, 1)

    async def test_update_with_matching_revision(self, storage: Storage, prefix: str) -> None:
        created = await storage.create(prefix + "a", b"1")
        rev = await storage.update(prefix + "a", b"2", expected_revision=created)
        assert rev > created
        kv = await storage.get(prefix + "a")
        assert kv is not None
        assert (kv.value, kv.create_revision, kv.mod_revision, kv.version) == (
            b"2",
            created,
            rev,
            2,
        )

    async def test_update_with_zero_is_unconditional(self, storage: Storage, prefix: str) -> None:
        await storage.create(prefix + "a", b"1")
        await storage.update(prefix + "a", b"2", expected_revision=0)
        rev = await storage.update(prefix + "a", b"3", expected_revision=0)
        kv = await storage.get(prefix + "a")
        assert kv is not None and kv.value == b"3" and kv.mod_revision == rev and kv.version == 3

    async def test_update_with_stale_revision_fails(self, storage: Storage, prefix: str) -> None:
        first = await storage.create(prefix + "a", b"1")
        second = await storage.update(prefix + "a", b"2", expected_revision=first)
        with pytest.raises(RevisionMismatchError) as info:
            await storage.update(prefix + "a", b"lost", expected_revision=first)
        assert info.value.key == prefix + "a"
        assert info.value.current.mod_revision == second
        assert info.value.current.value == b"2"
        kv = await storage.get(prefix + "a")
        assert kv is not None and kv.value == b"2"
        assert await storage.current_revision() == second

    async def test_update_missing_key_fails(self, storage: Storage, prefix: str) -> None:
        with pytest.raises(KeyNotFoundError) as info:
            await storage.update(prefix + "ghost", b"x", expected_revision=0)
        assert info.value.key == prefix + "ghost"
        assert await storage.get(prefix + "ghost") is None

    async def test_delete_returns_last_value(self, storage: Storage, prefix: str) -> None:
        created = await storage.create(prefix + "a", b"1")
        updated = await storage.update(prefix + "a", b"2", expected_revision=created)
        deleted = await storage.delete(prefix + "a")
        assert deleted.key == prefix + "a" and deleted.value == b"2"
        assert deleted.create_revision == created
        assert deleted.mod_revision > updated
        assert deleted.mod_revision == await storage.current_revision()
        assert await storage.get(prefix + "a") is None

    async def test_delete_missing_key_fails(self, storage: Storage, prefix: str) -> None:
        before = await storage.current_revision()
        with pytest.raises(KeyNotFoundError):
            await storage.delete(prefix + "ghost")
        assert await storage.current_revision() == before

    async def test_delete_with_stale_revision_fails(self, storage: Storage, prefix: str) -> None:
        first = await storage.create(prefix + "a", b"1")
        second = await storage.update(prefix + "a", b"2", expected_revision=first)
        with pytest.raises(RevisionMismatchError) as info:
            await storage.delete(prefix + "a", expected_revision=first)
        assert info.value.current.mod_revision == second
        kv = await storage.get(prefix + "a")
        assert kv is not None and kv.value == b"2"

    async def test_delete_with_matching_revision(self, storage: Storage, prefix: str) -> None:
        rev = await storage.create(prefix + "a", b"1")
        deleted = await storage.delete(prefix + "a", expected_revision=rev)
        assert deleted.value == b"1"
        assert await storage.get(prefix + "a") is None

    # -- range --------------------------------------------------------------------------

    async def test_range_in_key_order_with_prefix_isolation(
        self, storage: Storage, prefix: str
    ) -> None:
        for key in ["a/2", "a/1", "ab", "a/3", "b/1", "a"]:
            await storage.create(prefix + key, key.encode())
        result = await storage.range(prefix + "a/")
        assert [kv.key for kv in result.items] == [prefix + k for k in ["a/1", "a/2", "a/3"]]
        assert [kv.value for kv in result.items] == [b"a/1", b"a/2", b"a/3"]
        assert result.count == 3 and not result.more
        assert result.revision == await storage.current_revision()
        everything = await storage.range(prefix)
        assert [kv.key for kv in everything.items] == [
            prefix + k for k in ["a", "a/1", "a/2", "a/3", "ab", "b/1"]
        ]

    async def test_range_excludes_deleted_keys(self, storage: Storage, prefix: str) -> None:
        for key in "abc":
            await storage.create(prefix + key, b"v")
        await storage.delete(prefix + "b")
        result = await storage.range(prefix)
        assert [kv.key for kv in result.items] == [prefix + "a", prefix + "c"]
        assert result.count == 2

    async def test_range_empty_prefix_match(self, storage: Storage, prefix: str) -> None:
        result = await storage.range(prefix + "none/")
        assert result.items == () and result.count == 0 and not result.more

    async def test_range_limit_more_and_count(self, storage: Storage, prefix: str) -> None:
        for i in range(5):
            await storage.create(f"{prefix}{i}", b"v")
        page = await storage.range(prefix, limit=2)
        assert [kv.key for kv in page.items] == [prefix + "0", prefix + "1"]
        assert page.more and page.count == 5
        whole = await storage.range(prefix, limit=5)
        assert len(whole.items) == 5 and not whole.more and whole.count == 5

    async def test_range_start_after(self, storage: Storage, prefix: str) -> None:
        for i in range(5):
            await storage.create(f"{prefix}{i}", b"v")
        result = await storage.range(prefix, start_after=prefix + "1", limit=2)
        assert [kv.key for kv in result.items] == [prefix + "2", prefix + "3"]
        assert result.more and result.count == 3

    async def test_range_count_only(self, storage: Storage, prefix: str) -> None:
        for i in range(4):
            await storage.create(f"{prefix}{i}", b"v")
        result = await storage.range(prefix, count_only=True)
        assert result.items == () and result.count == 4
        after = await storage.range(prefix, start_after=prefix + "0", count_only=True)
        assert after.count == 3

    async def test_paging_at_a_fixed_revision_is_consistent(
        self, storage: Storage, prefix: str
    ) -> None:
        for i in range(7):
            await storage.create(f"{prefix}{i}", f"old-{i}".encode())
        first = await storage.range(prefix, limit=3)
        # Writes between pages must not show through when paging at the first page's revision.
        await storage.update(prefix + "5", b"new", expected_revision=0)
        await storage.delete(prefix + "6")
        await storage.create(prefix + "7", b"new")
        seen = list(first.items)
        page = first
        while page.more:
            page = await storage.range(
                prefix, start_after=seen[-1].key, limit=3, revision=first.revision
            )
            assert page.revision == first.revision
            seen.extend(page.items)
        assert [kv.key for kv in seen] == [f"{prefix}{i}" for i in range(7)]
        assert [kv.value for kv in seen] == [f"old-{i}".encode() for i in range(7)]

    async def test_range_at_past_revision(self, storage: Storage, prefix: str) -> None:
        await storage.create(prefix + "a", b"a1")
        await storage.create(prefix + "b", b"b1")
        past = await storage.current_revision()
        await storage.update(prefix + "a", b"a2", expected_revision=0)
        await storage.delete(prefix + "b")
        await storage.create(prefix + "c", b"c1")
        old = await storage.range(prefix, revision=past)
        assert [(kv.key, kv.value) for kv in old.items] == [
            (prefix + "a", b"a1"),
            (prefix + "b", b"b1"),
        ]
        assert old.revision == past and old.count == 2
        now = await storage.range(prefix)
        assert [(kv.key, kv.value) for kv in now.items] == [
            (prefix + "a", b"a2"),
            (prefix + "c", b"c1"),
        ]

    # -- get at a revision --------------------------------------------------------------

    async def test_get_at_past_revision(self, storage: Storage, prefix: str) -> None:
        before = await storage.current_revision()
        r1 = await storage.create(prefix + "a", b"1")
        r2 = await storage.update(prefix + "a", b"2", expected_revision=r1)
        r3 = (await storage.delete(prefix + "a")).mod_revision
        assert before == 0 or await storage.get(prefix + "a", revision=before) is None
        at1 = await storage.get(prefix + "a", revision=r1)
        assert at1 is not None and at1.value == b"1" and at1.mod_revision == r1
        at2 = await storage.get(prefix + "a", revision=r2)
        assert at2 is not None and at2.value == b"2" and at2.version == 2
        assert await storage.get(prefix + "a", revision=r3) is None

    async def test_read_at_future_revision_fails(self, storage: Storage, prefix: str) -> None:
        await storage.create(prefix + "a", b"1")
        future = await storage.current_revision() + 10
        with pytest.raises(FutureRevisionError) as info:
            await storage.get(prefix + "a", revision=future)
        assert info.value.requested == future
        with pytest.raises(FutureRevisionError):
            await storage.range(prefix, revision=future)

    # -- watch --------------------------------------------------------------------------

    async def test_watch_replays_history_in_revision_order(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        start = await storage.create(prefix + "a", b"1")
        await storage.create(prefix + "b", b"1")
        await storage.update(prefix + "a", b"2", expected_revision=0)
        await storage.delete(prefix + "b")
        reader = open_watch(prefix, start)
        events = await reader.events(4)
        assert _key_order(events) == [
            ("PUT", prefix + "a", b"1"),
            ("PUT", prefix + "b", b"1"),
            ("PUT", prefix + "a", b"2"),
            ("DELETE", prefix + "b", b""),
        ]
        revisions = [e.kv.mod_revision for e in events]
        assert revisions == sorted(revisions) and len(set(revisions)) == 4
        assert revisions[0] == start

    async def test_watch_from_middle_of_history(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        await storage.create(prefix + "a", b"1")
        middle = await storage.update(prefix + "a", b"2", expected_revision=0)
        await storage.update(prefix + "a", b"3", expected_revision=0)
        reader = open_watch(prefix, middle)
        events = await reader.events(2)
        assert [e.kv.value for e in events] == [b"2", b"3"]
        assert events[0].kv.mod_revision == middle

    async def test_watch_replay_then_live_without_gap_or_duplicate(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        start = await storage.create(prefix + "0", b"v")
        for i in range(1, 5):
            await storage.create(f"{prefix}{i}", b"v")
        reader = open_watch(prefix, start)
        replayed = await reader.events(5)
        for i in range(5, 10):
            await storage.create(f"{prefix}{i}", b"v")
        live = await reader.events(5)
        keys = [e.kv.key for e in replayed + live]
        assert keys == [f"{prefix}{i}" for i in range(10)]
        revisions = [e.kv.mod_revision for e in replayed + live]
        assert revisions == sorted(set(revisions))

    async def test_watch_event_fields(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        created = await storage.create(prefix + "a", b"1")
        updated = await storage.update(prefix + "a", b"2", expected_revision=created)
        deleted = (await storage.delete(prefix + "a")).mod_revision
        put1, put2, gone = await open_watch(prefix, created).events(3)
        assert put1.type is EventType.PUT
        assert (put1.kv.create_revision, put1.kv.mod_revision, put1.kv.version) == (
            created,
            created,
            1,
        )
        assert put2.type is EventType.PUT
        assert (put2.kv.value, put2.kv.create_revision, put2.kv.version) == (b"2", created, 2)
        assert put2.kv.mod_revision == updated
        assert put1.prev_kv is None  # a create replaced nothing
        assert put2.prev_kv is not None, "a PUT that replaced a value carries prev_kv"
        assert put2.prev_kv.value == b"1" and put2.prev_kv.mod_revision == created
        assert gone.type is EventType.DELETE
        assert gone.kv.key == prefix + "a" and gone.kv.value == b""
        assert gone.kv.mod_revision == deleted

    async def test_delete_event_carries_prev_kv(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        reader = open_watch(prefix, await storage.current_revision() + 1)
        await storage.create(prefix + "a", b"1")
        last = await storage.update(prefix + "a", b"last", expected_revision=0)
        await storage.delete(prefix + "a")
        *_, gone = await reader.events(3)
        assert gone.type is EventType.DELETE
        assert gone.prev_kv is not None
        assert gone.prev_kv.key == prefix + "a"
        assert gone.prev_kv.value == b"last" and gone.prev_kv.mod_revision == last

    async def test_watch_prefix_isolation(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        reader = open_watch(prefix + "a/", await storage.current_revision() + 1)
        await storage.create(prefix + "ab", b"no")
        await storage.create(prefix + "a", b"no")
        await storage.create(prefix + "b/x", b"no")
        await storage.create(prefix + "a/x", b"yes")
        await storage.create(prefix + "ab/x", b"no")
        await storage.create(prefix + "a/y", b"yes")
        events = await reader.events(2)
        assert [e.kv.key for e in events] == [prefix + "a/x", prefix + "a/y"]

    async def test_watch_from_now_skips_history(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        await storage.create(prefix + "old", b"v")
        before = await storage.current_revision()
        reader = open_watch(prefix, 0)
        # A backend may establish its watch asynchronously: write until the first event shows.
        first: list[WatchEvent] = []

        async def first_event() -> None:
            first.extend(await reader.events(1))

        waiter = asyncio.create_task(first_event())
        try:
            for i in range(int(self.timeout / 0.05)):
                await storage.create(f"{prefix}new-{i}", b"v")
                done, _ = await asyncio.wait({waiter}, timeout=0.05)
                if done:
                    break
            await waiter
        finally:
            waiter.cancel()
        assert first[0].kv.key.startswith(prefix + "new-")
        assert first[0].kv.mod_revision > before

    async def test_watch_batches_are_ordered(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        start = await storage.current_revision() + 1
        for i in range(30):
            await storage.create(f"{prefix}{i:02}", b"v")
        reader = open_watch(prefix, start)
        events = await reader.events(30)
        assert [e.kv.key for e in events] == [f"{prefix}{i:02}" for i in range(30)]
        for resp in reader.responses:
            revs = [e.kv.mod_revision for e in resp.events]
            assert revs == sorted(revs)
            if revs:
                assert resp.revision >= revs[-1]

    async def test_concurrent_watchers_all_see_everything(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        start = await storage.current_revision() + 1
        readers = [open_watch(prefix, start) for _ in range(4)]
        expected = []
        for i in range(6):
            await storage.create(f"{prefix}{i}", str(i).encode())
            expected.append(("PUT", f"{prefix}{i}", str(i).encode()))
        results = await asyncio.gather(*(r.events(6) for r in readers))
        for events in results:
            assert _key_order(events) == expected

    async def test_watch_close_ends_iteration(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        reader = open_watch(prefix, await storage.current_revision() + 1)
        await storage.create(prefix + "a", b"v")
        await reader.events(1)
        await reader.watch.close()
        assert await reader.ended()

    async def test_requested_progress_follows_queued_changes(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        reader = open_watch(prefix, await storage.current_revision() + 1)
        await storage.create(prefix + "a", b"v")
        written = await storage.create(prefix + "b", b"v")
        reader.watch.request_progress()
        seen: list[WatchEvent] = []
        while True:
            response = await reader.response()
            if not response.events:
                break
            seen.extend(response.events)
        assert [e.kv.key for e in seen] == [prefix + "a", prefix + "b"]
        assert response.revision >= written

    async def test_close_ends_open_watches(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        reader = open_watch(prefix, await storage.current_revision() + 1)
        await storage.create(prefix + "a", b"v")
        await reader.events(1)
        await storage.close()
        assert await reader.ended()

    # -- compaction ---------------------------------------------------------------------

    async def test_compacted_reads_fail(self, storage: Storage, prefix: str) -> None:
        r1 = await storage.create(prefix + "a", b"1")
        r2 = await storage.update(prefix + "a", b"2", expected_revision=r1)
        r3 = await storage.update(prefix + "a", b"3", expected_revision=r2)
        await storage.compact(r2)
        with pytest.raises(CompactedError) as info:
            await storage.get(prefix + "a", revision=r1)
        assert info.value.requested == r1
        assert info.value.compact_revision >= r2
        with pytest.raises(CompactedError):
            await storage.range(prefix, revision=r1)
        at_compaction = await storage.get(prefix + "a", revision=r2)
        assert at_compaction is not None and at_compaction.value == b"2"
        now = await storage.get(prefix + "a")
        assert now is not None and now.value == b"3" and now.mod_revision == r3
        assert now.create_revision == r1 and now.version == 3

    async def test_compaction_keeps_live_keys(self, storage: Storage, prefix: str) -> None:
        await storage.create(prefix + "keep", b"k")
        await storage.create(prefix + "gone", b"g")
        await storage.delete(prefix + "gone")
        await storage.create(prefix + "late", b"l")
        await storage.compact(await storage.current_revision())
        result = await storage.range(prefix)
        assert [(kv.key, kv.value) for kv in result.items] == [
            (prefix + "keep", b"k"),
            (prefix + "late", b"l"),
        ]

    async def test_watch_from_compacted_revision_fails(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        r1 = await storage.create(prefix + "a", b"1")
        r2 = await storage.update(prefix + "a", b"2", expected_revision=r1)
        await storage.compact(r2)
        reader = open_watch(prefix, r1)
        with pytest.raises(CompactedError) as info:
            await reader.response()
        assert info.value.requested == r1
        assert info.value.compact_revision >= r2

    async def test_watch_from_compaction_point_works(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        r1 = await storage.create(prefix + "a", b"1")
        r2 = await storage.update(prefix + "a", b"2", expected_revision=r1)
        await storage.compact(r2)
        await storage.update(prefix + "a", b"3", expected_revision=r2)
        events = await open_watch(prefix, r2).events(2)
        assert [e.kv.value for e in events] == [b"2", b"3"]

    async def test_compact_future_revision_fails(self, storage: Storage, prefix: str) -> None:
        await storage.create(prefix + "a", b"1")
        with pytest.raises(FutureRevisionError):
            await storage.compact(await storage.current_revision() + 5)

    # -- leases -------------------------------------------------------------------------

    async def test_grant_lease_ids(self, storage: Storage) -> None:
        ids = [await storage.grant_lease(self.lease_ttl * 30) for _ in range(3)]
        assert all(isinstance(i, int) and i > 0 for i in ids)
        assert len(set(ids)) == 3
        for lease in ids:
            await storage.revoke_lease(lease)

    async def test_leased_key_records_lease(self, storage: Storage, prefix: str) -> None:
        lease = await storage.grant_lease(self.lease_ttl * 30)
        await storage.create(prefix + "a", b"v", lease=lease)
        kv = await storage.get(prefix + "a")
        assert kv is not None and kv.lease == lease
        await storage.revoke_lease(lease)

    async def test_create_with_unknown_lease_fails(self, storage: Storage, prefix: str) -> None:
        lease = await storage.grant_lease(self.lease_ttl * 30)
        await storage.revoke_lease(lease)
        with pytest.raises(StorageError):
            await storage.create(prefix + "a", b"v", lease=lease)
        assert await storage.get(prefix + "a") is None

    async def test_revoke_deletes_leased_keys_with_events(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        lease = await storage.grant_lease(self.lease_ttl * 30)
        await storage.create(prefix + "a", b"a", lease=lease)
        await storage.create(prefix + "b", b"b", lease=lease)
        await storage.create(prefix + "free", b"f")
        # An update keeps the key's lease.
        await storage.update(prefix + "b", b"b2", expected_revision=0)
        reader = open_watch(prefix, await storage.current_revision() + 1)
        await storage.revoke_lease(lease)
        events = await reader.events(2)
        assert all(e.type is EventType.DELETE for e in events)
        assert sorted(e.kv.key for e in events) == [prefix + "a", prefix + "b"]
        prev = {e.kv.key: e.prev_kv.value for e in events if e.prev_kv is not None}
        assert prev == {prefix + "a": b"a", prefix + "b": b"b2"}
        assert await storage.get(prefix + "a") is None
        assert await storage.get(prefix + "b") is None
        free = await storage.get(prefix + "free")
        assert free is not None and free.value == b"f"

    async def test_lease_expiry_deletes_keys_with_events(
        self, storage: Storage, prefix: str, open_watch: OpenWatch
    ) -> None:
        lease = await storage.grant_lease(self.lease_ttl)
        await storage.create(prefix + "event", b"e", lease=lease)
        await storage.create(prefix + "free", b"f")
        reader = open_watch(prefix, await storage.current_revision() + 1)
        await self.let_time_pass(storage, self.lease_ttl / 2)
        kv = await storage.get(prefix + "event")
        assert kv is not None, "a lease expired before its TTL"
        await self.let_time_pass(storage, self.lease_ttl / 2 + 1)
        (gone,) = await reader.events(1)
        assert gone.type is EventType.DELETE and gone.kv.key == prefix + "event"
        assert await storage.get(prefix + "event") is None
        assert await storage.get(prefix + "free") is not None

    # -- concurrency --------------------------------------------------------------------

    async def test_concurrent_creates_one_wins(self, storage: Storage, prefix: str) -> None:
        results = await asyncio.gather(
            *(storage.create(prefix + "a", str(i).encode()) for i in range(self.concurrency)),
            return_exceptions=True,
        )
        winners = [r for r in results if isinstance(r, int)]
        losers = [r for r in results if isinstance(r, KeyExistsError)]
        assert len(winners) == 1 and len(losers) == self.concurrency - 1, results
        kv = await storage.get(prefix + "a")
        assert kv is not None and kv.mod_revision == winners[0]

    async def test_concurrent_cas_updates_lose_nothing(self, storage: Storage, prefix: str) -> None:
        key = prefix + "counter"
        await storage.create(key, b"0")
        rounds = 5

        async def increment() -> None:
            for _ in range(rounds):
                while True:
                    kv = await storage.get(key)
                    assert kv is not None
                    await asyncio.sleep(0)  # let the others read the same revision
                    try:
                        await storage.update(
                            key, str(int(kv.value) + 1).encode(), expected_revision=kv.mod_revision
                        )
                        break
                    except RevisionMismatchError:
                        continue

        await asyncio.gather(*(increment() for _ in range(self.concurrency)))
        kv = await storage.get(key)
        assert kv is not None and int(kv.value) == self.concurrency * rounds
        assert kv.version == self.concurrency * rounds + 1

    async def test_concurrent_writers_get_distinct_revisions(
        self, storage: Storage, prefix: str
    ) -> None:
        revisions = await asyncio.gather(
            *(storage.create(f"{prefix}{i}", b"v") for i in range(self.concurrency * 4))
        )
        assert len(set(revisions)) == len(revisions)
        result = await storage.range(prefix)
        assert {kv.key: kv.mod_revision for kv in result.items} == {
            f"{prefix}{i}": rev for i, rev in enumerate(revisions)
        }
