"""An in-memory storage backend with etcd v3 semantics, for tests.

It keeps every version of every key until compaction, so reads at past revisions and watches
from past revisions work as on etcd; leases expire on the event loop's clock, which a test can
move forward with :meth:`FakeStorage.advance_time` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import time
from collections import deque
from collections.abc import Iterable

import attrs

from microkube.contracts.storage import (
    CompactedError,
    EventType,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    RangeResult,
    RevisionMismatchError,
    StorageError,
    WatchEvent,
    WatchResponse,
)
from microkube.testing.recording import Recorded, recorded


@attrs.frozen
class _Version:
    """One entry of a key's history; ``kv`` is None when the key was deleted at ``revision``."""

    revision: int
    kv: KeyValue | None


@attrs.define
class _Lease:
    id: int
    ttl: int
    deadline: float
    keys: set[str] = attrs.field(factory=set)


@attrs.frozen
class _Progress:
    revision: int


_END = object()


class FakeWatch:
    """An open watch on a :class:`FakeStorage`: history first, then live changes."""

    def __init__(
        self,
        storage: FakeStorage,
        prefix: str,
        start_revision: int,
        *,
        error: StorageError | None = None,
    ) -> None:
        self.prefix = prefix
        self.start_revision = start_revision
        self._storage = storage
        self._error = error
        self._buffer: deque[WatchEvent | _Progress] = deque()
        self._ready = asyncio.Event()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def __aiter__(self) -> FakeWatch:
        return self

    async def __anext__(self) -> WatchResponse:
        if self._error is not None:
            error, self._error = self._error, None
            self._closed = True
            raise error
        interval = self._storage.progress_interval
        while True:
            if self._closed:
                raise StopAsyncIteration
            if self._buffer:
                return self._take_batch()
            self._ready.clear()
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can lose a cancellation
                # that arrives just as the wait completes.
                async with asyncio.timeout(interval):
                    await self._ready.wait()
            except TimeoutError:
                return WatchResponse(revision=self._storage.revision)

    async def close(self) -> None:
        self._end()

    def request_progress(self) -> None:
        """Queue a progress notification (delivered after every change queued before it)."""
        self._push([_Progress(self._storage.revision)])

    def _end(self) -> None:
        self._closed = True
        self._buffer.clear()
        self._ready.set()
        self._storage._watches.discard(self)

    def _offer(self, events: Iterable[WatchEvent]) -> None:
        self._push(
            e
            for e in events
            if e.kv.mod_revision >= self.start_revision and e.kv.key.startswith(self.prefix)
        )

    def _push(self, items: Iterable[WatchEvent | _Progress]) -> None:
        if self._closed:
            return
        before = len(self._buffer)
        self._buffer.extend(items)
        if len(self._buffer) != before:
            self._ready.set()

    def _take_batch(self) -> WatchResponse:
        head = self._buffer[0]
        if isinstance(head, _Progress):
            self._buffer.popleft()
            return WatchResponse(revision=head.revision)
        events: list[WatchEvent] = []
        limit = self._storage.max_batch
        while self._buffer and isinstance(self._buffer[0], WatchEvent):
            event = self._buffer[0]
            # Never split one revision (a lease expiry deleting several keys) across batches.
            if len(events) >= limit and event.kv.mod_revision != events[-1].kv.mod_revision:
                break
            events.append(self._buffer.popleft())  # type: ignore[arg-type]
        return WatchResponse(revision=events[-1].kv.mod_revision, events=tuple(events))


class FakeStorage(Recorded):
    """A :class:`~microkube.contracts.storage.Storage` in memory.

    ``progress_interval`` (seconds) makes idle watches send progress notifications;
    ``max_batch`` caps the events per :class:`WatchResponse`. Test hooks: :meth:`advance_time`
    (expire leases deterministically), :meth:`notify_progress`, :attr:`revision`.
    """

    def __init__(self, *, progress_interval: float | None = None, max_batch: int = 100) -> None:
        self.progress_interval = progress_interval
        self.max_batch = max_batch
        self._revision = 0
        self._compacted = 0
        self._history: dict[str, list[_Version]] = {}
        self._keys: list[str] = []  # sorted keys of _history
        self._log: list[WatchEvent] = []  # every event since the compaction point
        self._watches: set[FakeWatch] = set()
        self._leases: dict[int, _Lease] = {}
        self._lease_ids = itertools.count(0x1EA5E_0001)
        self._time_offset = 0.0
        self._wake = asyncio.Event()
        self._reaper: asyncio.Task[None] | None = None
        self._closed = False

    # -- test hooks ---------------------------------------------------------------------

    @property
    def revision(self) -> int:
        """The current revision, without a coroutine."""
        return self._revision

    @property
    def compacted_revision(self) -> int:
        return self._compacted

    @property
    def watch_count(self) -> int:
        """How many watches are open."""
        return len(self._watches)

    def lease_ids(self) -> list[int]:
        """The live leases (expired ones included until the next check)."""
        return sorted(self._leases)

    def advance_time(self, seconds: float) -> None:
        """Move the lease clock forward and expire every lease now due (with DELETE events)."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._time_offset += seconds
        self._expire_due()
        self._wake.set()

    def notify_progress(self) -> None:
        """Send every open watch a progress notification at the current revision."""
        for watch in list(self._watches):
            watch.request_progress()

    # -- lifecycle ----------------------------------------------------------------------

    @recorded
    async def start(self) -> None:
        self._ensure_open()
        if self._reaper is None:
            self._reaper = asyncio.get_running_loop().create_task(self._reap())

    @recorded
    async def close(self) -> None:
        self._closed = True
        for watch in list(self._watches):
            watch._end()
        if self._reaper is not None:
            self._reaper.cancel()
            # gather, not suppress(CancelledError): a cancellation of close() itself propagates
            await asyncio.gather(self._reaper, return_exceptions=True)
            self._reaper = None

    # -- reads --------------------------------------------------------------------------

    @recorded
    async def current_revision(self) -> int:
        self._ensure_open()
        self._expire_due()
        return self._revision

    @recorded
    async def get(self, key: str, *, revision: int = 0) -> KeyValue | None:
        self._ensure_open()
        self._expire_due()
        at = self._read_revision(revision)
        return self._value_at(key, at)

    @recorded
    async def range(
        self,
        prefix: str,
        *,
        start_after: str | None = None,
        limit: int = 0,
        revision: int = 0,
        count_only: bool = False,
    ) -> RangeResult:
        self._ensure_open()
        self._expire_due()
        if limit < 0:
            raise ValueError("limit must be >= 0")
        at = self._read_revision(revision)
        lo = bisect.bisect_left(self._keys, prefix)
        if start_after is not None:
            lo = max(lo, bisect.bisect_right(self._keys, start_after))
        items: list[KeyValue] = []
        count = 0
        for key in itertools.islice(self._keys, lo, None):
            if not key.startswith(prefix):
                break
            kv = self._value_at(key, at)
            if kv is None:
                continue
            count += 1
            if not count_only and (limit == 0 or len(items) < limit):
                items.append(kv)
        more = not count_only and count > len(items)
        return RangeResult(items=tuple(items), revision=at, more=more, count=count)

    # -- writes -------------------------------------------------------------------------

    @recorded
    async def create(self, key: str, value: bytes, *, lease: int = 0) -> int:
        self._ensure_open()
        self._expire_due()
        value = _as_bytes(value)
        if self._current(key) is not None:
            raise KeyExistsError(key)
        if lease and lease not in self._leases:
            raise StorageError(f"lease {lease} not found")
        rev = self._revision + 1
        kv = KeyValue(
            key=key, value=value, create_revision=rev, mod_revision=rev, version=1, lease=lease
        )
        if lease:
            self._leases[lease].keys.add(key)
        self._commit(rev, [(key, kv, WatchEvent(type=EventType.PUT, kv=kv))])
        return rev

    @recorded
    async def update(self, key: str, value: bytes, *, expected_revision: int) -> int:
        self._ensure_open()
        self._expire_due()
        value = _as_bytes(value)
        current = self._current(key)
        if current is None:
            raise KeyNotFoundError(key)
        if expected_revision and expected_revision != current.mod_revision:
            raise RevisionMismatchError(key, current)
        rev = self._revision + 1
        # The key keeps its lease (etcd's put with ignore_lease), so an updated Event still expires.
        kv = attrs.evolve(current, value=value, mod_revision=rev, version=current.version + 1)
        self._commit(rev, [(key, kv, WatchEvent(type=EventType.PUT, kv=kv, prev_kv=current))])
        return rev

    @recorded
    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        self._ensure_open()
        self._expire_due()
        current = self._current(key)
        if current is None:
            raise KeyNotFoundError(key)
        if expected_revision and expected_revision != current.mod_revision:
            raise RevisionMismatchError(key, current)
        rev = self._revision + 1
        self._commit(rev, [self._deletion(current, rev)])
        return attrs.evolve(current, mod_revision=rev)

    # -- watch --------------------------------------------------------------------------

    @recorded
    def watch(self, prefix: str, *, start_revision: int) -> FakeWatch:
        self._ensure_open()
        if start_revision < 0:
            raise ValueError("start_revision must be >= 0")
        if start_revision == 0:
            start_revision = self._revision + 1
        elif start_revision < self._compacted:
            return FakeWatch(
                self,
                prefix,
                start_revision,
                error=CompactedError(start_revision, self._compacted),
            )
        watch = FakeWatch(self, prefix, start_revision)
        first = bisect.bisect_left(self._log, start_revision, key=lambda e: e.kv.mod_revision)
        watch._offer(itertools.islice(self._log, first, None))
        self._watches.add(watch)
        return watch

    @recorded
    async def compact(self, revision: int) -> None:
        self._ensure_open()
        if revision > self._revision:
            raise FutureRevisionError(revision, self._revision)
        if revision <= self._compacted:
            raise CompactedError(revision, self._compacted)
        self._compacted = revision
        for key in list(self._keys):
            versions = self._history[key]
            # Keep the version visible at ``revision`` and everything after it.
            idx = bisect.bisect_right(versions, revision, key=lambda v: v.revision) - 1
            kept = versions[max(idx, 0) :]
            if kept and kept[0].kv is None and kept[0].revision < revision:
                kept = kept[1:]
            if kept:
                self._history[key] = kept
            else:
                del self._history[key]
                self._keys.remove(key)
        first = bisect.bisect_left(self._log, revision, key=lambda e: e.kv.mod_revision)
        del self._log[:first]

    # -- leases -------------------------------------------------------------------------

    @recorded
    async def grant_lease(self, ttl_seconds: int) -> int:
        self._ensure_open()
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        lease = _Lease(next(self._lease_ids), ttl_seconds, self._now() + ttl_seconds)
        self._leases[lease.id] = lease
        self._wake.set()
        return lease.id

    @recorded
    async def revoke_lease(self, lease_id: int) -> None:
        self._ensure_open()
        lease = self._leases.get(lease_id)
        if lease is None:
            raise StorageError(f"lease {lease_id} not found")
        self._revoke(lease)
        self._wake.set()

    # -- internals ----------------------------------------------------------------------

    def _ensure_open(self) -> None:
        if self._closed:
            raise StorageError("storage is closed")

    def _now(self) -> float:
        try:
            now = asyncio.get_running_loop().time()
        except RuntimeError:
            now = time.monotonic()
        return now + self._time_offset

    def _read_revision(self, revision: int) -> int:
        if revision < 0:
            raise ValueError("revision must be >= 0")
        if revision == 0:
            return self._revision
        if revision > self._revision:
            raise FutureRevisionError(revision, self._revision)
        if revision < self._compacted:
            raise CompactedError(revision, self._compacted)
        return revision

    def _current(self, key: str) -> KeyValue | None:
        versions = self._history.get(key)
        return versions[-1].kv if versions else None

    def _value_at(self, key: str, revision: int) -> KeyValue | None:
        versions = self._history.get(key)
        if not versions:
            return None
        idx = bisect.bisect_right(versions, revision, key=lambda v: v.revision) - 1
        return versions[idx].kv if idx >= 0 else None

    def _deletion(self, current: KeyValue, rev: int) -> tuple[str, None, WatchEvent]:
        if current.lease and current.lease in self._leases:
            self._leases[current.lease].keys.discard(current.key)
        tombstone = KeyValue(
            key=current.key, value=b"", create_revision=0, mod_revision=rev, version=0
        )
        return current.key, None, WatchEvent(type=EventType.DELETE, kv=tombstone, prev_kv=current)

    def _commit(self, rev: int, changes: list[tuple[str, KeyValue | None, WatchEvent]]) -> None:
        """Apply one revision's changes, log their events and hand them to the watches."""
        self._revision = rev
        events = []
        for key, kv, event in changes:
            versions = self._history.get(key)
            if versions is None:
                versions = self._history[key] = []
                bisect.insort(self._keys, key)
            versions.append(_Version(rev, kv))
            events.append(event)
        self._log.extend(events)
        for watch in list(self._watches):
            watch._offer(events)

    def _revoke(self, lease: _Lease) -> None:
        del self._leases[lease.id]
        live = [kv for kv in map(self._current, sorted(lease.keys)) if kv is not None]
        if live:
            # One revision for all of the lease's keys, as etcd's revoke transaction.
            rev = self._revision + 1
            self._commit(rev, [self._deletion(kv, rev) for kv in live])

    def _expire_due(self) -> None:
        if not self._leases:
            return
        now = self._now()
        for lease in [le for le in self._leases.values() if le.deadline <= now]:
            self._revoke(lease)

    async def _reap(self) -> None:
        """Expire leases when they fall due, also when nobody reads or writes."""
        while True:
            self._wake.clear()
            deadline = min((le.deadline for le in self._leases.values()), default=None)
            timeout = None if deadline is None else max(0.0, deadline - self._now())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            self._expire_due()


def _as_bytes(value: bytes) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"values are bytes, not {type(value).__name__}")
    return bytes(value)
