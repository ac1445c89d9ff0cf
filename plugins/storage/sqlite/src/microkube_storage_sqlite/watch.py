"""Watches: live events fanned out on the event loop, history replayed from a ring or the table.

Every committed batch is published here (on the loop, in commit order) before any writer is
told its result. A watch is either *synced* — it receives each published event under its
prefix — or *catching up* from ``next_rev``: from the in-memory ring of recent events when the
ring still reaches back that far, otherwise from the history table a window at a time, until
it reaches the ring and turns synced. Replay and live delivery are thus one sequence with no
gap and no duplicate. A watcher that falls too far behind is switched back to catching up
instead of buffering without bound (etcd's "unsynced" watchers).
"""

from __future__ import annotations

import asyncio
import bisect
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

from microkube.contracts.storage import CompactedError, StorageError, WatchEvent, WatchResponse

#: ``fetch(prefix, first, last)``: the events under ``prefix`` in revisions first..last.
Fetch = Callable[[str, int, int], Awaitable[list[WatchEvent]]]

#: Revisions of history read per catch-up query.
HISTORY_WINDOW = 5000
#: Most events in one WatchResponse (a revision is never split).
MAX_RESPONSE_EVENTS = 1000


def _rev(event: WatchEvent) -> int:
    return event.kv.mod_revision


class EventRing:
    """The most recent events, in revision order; complete from revision :attr:`start` on."""

    def __init__(self, capacity: int, start: int) -> None:
        self.capacity = capacity
        self.start = start
        self._events: list[WatchEvent] = []
        self._head = 0

    def __len__(self) -> int:
        return len(self._events) - self._head

    def extend(self, events: Iterable[WatchEvent]) -> None:
        self._events.extend(events)
        if len(self) <= self.capacity:
            return
        # Evict whole revisions only, so the ring stays complete from ``start``.
        cut = self._head + len(self) - self.capacity
        last_evicted = _rev(self._events[cut - 1])
        cut = bisect.bisect_right(self._events, last_evicted, lo=cut, key=_rev)
        self._head = cut
        self.start = last_evicted + 1
        if self._head > len(self._events) // 2:
            del self._events[: self._head]
            self._head = 0

    def since(self, revision: int) -> list[WatchEvent]:
        """Every event with revision >= ``revision`` (which must be >= :attr:`start`)."""
        first = bisect.bisect_left(self._events, revision, lo=self._head, key=_rev)
        return self._events[first:]


class SqliteWatch:
    """An open watch (the contract's ``Watch``)."""

    def __init__(self, hub: WatchHub, prefix: str, next_rev: int, *, synced: bool) -> None:
        self.prefix = prefix
        #: The first revision not yet queued for (or delivered to) the consumer.
        self.next_rev = next_rev
        self._hub = hub
        self._synced = synced
        self._buffer: deque[WatchEvent] = deque()
        self._ready = asyncio.Event()
        self._progress_requested = False
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def __aiter__(self) -> SqliteWatch:
        return self

    async def __anext__(self) -> WatchResponse:
        while True:
            if self._closed:
                raise StopAsyncIteration
            if self._buffer:
                return self._take()
            if not self._synced:
                await self._catch_up()
                continue
            if self._progress_requested:
                self._progress_requested = False
                return WatchResponse(revision=self._hub.revision)
            self._ready.clear()
            try:
                # Not wait_for: on 3.11 it can swallow the consumer's cancellation.
                async with asyncio.timeout(self._hub.progress_interval):
                    await self._ready.wait()
            except TimeoutError:
                if not self._buffer and self._synced and not self._closed:
                    return WatchResponse(revision=self._hub.revision)

    async def close(self) -> None:
        self._end()

    def request_progress(self) -> None:
        """Ask for a progress notification once everything queued so far is delivered."""
        self._progress_requested = True
        self._ready.set()

    # -- fed by the hub -----------------------------------------------------------------

    def _offer(self, events: list[WatchEvent], revision: int) -> None:
        if not self._synced or self._closed:
            return
        wanted = [
            e for e in events if _rev(e) >= self.next_rev and e.kv.key.startswith(self.prefix)
        ]
        self.next_rev = max(self.next_rev, revision + 1)
        if not wanted:
            return
        self._buffer.extend(wanted)
        if len(self._buffer) > self._hub.buffer_limit:
            # Too far behind: drop the queue and re-read it from the ring or history later.
            self.next_rev = _rev(self._buffer[0])
            self._buffer.clear()
            self._synced = False
        self._ready.set()

    def _end(self) -> None:
        self._closed = True
        self._buffer.clear()
        self._ready.set()
        self._hub._forget(self)

    # -- consumer side ------------------------------------------------------------------

    def _take(self) -> WatchResponse:
        events: list[WatchEvent] = []
        while self._buffer:
            event = self._buffer[0]
            if len(events) >= MAX_RESPONSE_EVENTS and _rev(event) != _rev(events[-1]):
                break
            events.append(self._buffer.popleft())
        return WatchResponse(revision=_rev(events[-1]), events=tuple(events))

    async def _catch_up(self) -> None:
        hub = self._hub
        if self.next_rev < hub.compact_rev:
            error = CompactedError(self.next_rev, hub.compact_rev)
            self._end()
            raise error
        if self.next_rev > hub.revision or hub.ring.start <= self.next_rev:
            replay = hub.ring.since(self.next_rev) if self.next_rev <= hub.revision else []
            self._buffer.extend(e for e in replay if e.kv.key.startswith(self.prefix))
            self.next_rev = max(self.next_rev, hub.revision + 1)
            self._synced = True
            return
        first = self.next_rev
        last = min(hub.revision, first + HISTORY_WINDOW - 1)
        try:
            found = await hub.fetch(self.prefix, first, last)
        except CompactedError:
            self._end()
            raise
        except StorageError:
            if self._closed:
                return
            raise
        if self._closed:
            return
        self._buffer.extend(found)
        self.next_rev = last + 1


class WatchHub:
    """Every open watch of one backend, and the ring of recent events."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        revision: int,
        compact_rev: int,
        ring_capacity: int,
        buffer_limit: int,
        progress_interval: float | None,
    ) -> None:
        self.fetch = fetch
        #: The last revision published to the watches.
        self.revision = revision
        self.compact_rev = compact_rev
        self.ring = EventRing(ring_capacity, start=revision + 1)
        self.buffer_limit = buffer_limit
        self.progress_interval = progress_interval
        self._watches: set[SqliteWatch] = set()
        self._closed = False

    @property
    def watch_count(self) -> int:
        return len(self._watches)

    def open(self, prefix: str, start_revision: int) -> SqliteWatch:
        if self._closed:
            raise StorageError("storage is closed")
        if start_revision < 0:
            raise ValueError("start_revision must be >= 0")
        if start_revision == 0:
            watch = SqliteWatch(self, prefix, self.revision + 1, synced=True)
        else:
            synced = start_revision > self.revision and start_revision >= self.compact_rev
            watch = SqliteWatch(self, prefix, start_revision, synced=synced)
        self._watches.add(watch)
        return watch

    def publish(self, events: list[WatchEvent], revision: int, compact_rev: int) -> None:
        """Hand a committed batch to every watch (called on the loop, in commit order)."""
        self.compact_rev = compact_rev
        if revision <= self.revision:
            return
        self.ring.extend(events)
        self.revision = revision
        for watch in list(self._watches):
            watch._offer(events, revision)

    def notify_progress(self) -> None:
        """Send every open watch a progress notification."""
        for watch in list(self._watches):
            watch.request_progress()

    def close(self) -> None:
        self._closed = True
        for watch in list(self._watches):
            watch._end()

    def _forget(self, watch: SqliteWatch) -> None:
        self._watches.discard(watch)
