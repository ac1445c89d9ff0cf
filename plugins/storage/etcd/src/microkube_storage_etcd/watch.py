"""``EtcdWatch``: one etcd watch of a key prefix, resumed on another member when one fails.

Each watch has its own gRPC stream (HTTP/2 streams on the member's one connection are cheap)
so a progress request and its answer concern this watch alone. A reader task pumps the
stream into a queue that the consumer iterates; the watch remembers the next revision it
owes, so when its member goes away it re-creates itself on the next endpoint from exactly
that revision — no event missed, none repeated (as clientv3 does).

Progress: ``request_progress()`` sends etcd's ``WatchProgressRequest``; after
``progress_interval`` seconds without a response the watch asks by itself. etcd before
3.4.24 answers a progress request through a side channel (etcd issue 15220, Debian ships
3.4.23): its send loop picks between that channel and the watch's events at random, so an
answer stamped with revision R can overtake events at or below R. Two rules make an answer
safe to pass on:

- while a watch may still be catching up (until an event batch at or beyond the store
  revision of its creation arrives, or ``CATCH_UP_GRACE`` passes: etcd replays to lagging
  watchers every 100 ms), its events up to R may not even be queued yet: the answer is
  dropped and the request repeated once the watch is caught up;
- once caught up, every event up to R was queued before the answer was made, so it is sent
  before the answer to a *second* request (one stream, in order): an answer R is held and
  confirmed by the next one, and passed on as R (or the last event's revision, if later).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio

from microkube.contracts.storage import CompactedError, StorageError, WatchResponse
from microkube_storage_etcd import messages as pb
from microkube_storage_etcd.client import RETRYABLE, EtcdClient
from microkube_storage_etcd.convert import Keys

log = logging.getLogger(__name__)

#: Seconds a new watch at a past revision is treated as possibly still catching up.
#: etcd syncs lagging watchers every 100 ms, but on a busy machine (2 cores running a whole
#: cluster) a replay was seen to take longer than 0.3 s: a progress answer for a watch created
#: at a past revision waits at most this long for the replay to arrive first.
CATCH_UP_GRACE = 2.0
_END = object()


class _StreamEnded(Exception):
    """The member ended the stream without cancelling the watch: resume elsewhere."""


class EtcdWatch:
    def __init__(
        self,
        client: EtcdClient,
        keys: Keys,
        prefix: str,
        start_revision: int,
        *,
        progress_interval: float,
        on_close: Any = None,
    ) -> None:
        self._client = client
        self._keys = keys
        self._key, self._range_end = keys.range(prefix)
        #: The next revision this watch owes its consumer (0 until the first creation).
        self.next_revision = start_revision
        self._progress_interval = progress_interval
        self._on_close = on_close
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._call: grpc.aio.StreamStreamCall | None = None
        self._write_lock = asyncio.Lock()
        self._closed = False
        self._caught_up = False
        self._catch_up_deadline = 0.0
        self._created_at_revision = 0
        self._progress_wanted = False
        #: A progress answer's revision awaiting confirmation, and the number of the request
        #: whose answer confirms it (requests and answers counted per stream: etcd answers
        #: each request, in order).
        self._unconfirmed_progress: int | None = None
        self._confirming_request = 0
        self._requests_sent = 0
        self._answers_seen = 0
        self._last_response = time.monotonic()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reader = asyncio.get_running_loop().create_task(self._run())

    # -- the Watch protocol -------------------------------------------------------------

    async def __aiter__(self) -> AsyncIterator[WatchResponse]:
        while True:
            item = await self._queue.get()
            if item is _END:
                self._queue.put_nowait(_END)  # iterating again ends at once too
                return
            if isinstance(item, BaseException):
                self._queue.put_nowait(_END)
                raise item
            yield item

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._call is not None:
            self._call.cancel()
        for task in [self._reader, *self._tasks]:
            task.cancel()
        await asyncio.gather(self._reader, *self._tasks, return_exceptions=True)
        self._queue.put_nowait(_END)
        if self._on_close is not None:
            self._on_close(self)

    def request_progress(self) -> None:
        if self._closed:
            return
        self._progress_wanted = True
        self._spawn(self._send_progress_request())

    # -- internals ----------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_progress_request(self, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)
        call = self._call
        if call is None or self._closed:
            return  # the (re)created watch asks once it is established
        async with self._write_lock:
            with contextlib.suppress(grpc.aio.AioRpcError, asyncio.InvalidStateError):
                await call.write(pb.WatchRequest(progress_request=pb.WatchProgressRequest()))
                if call is self._call:
                    self._requests_sent += 1

    async def _run(self) -> None:
        failures = 0
        ticker = None
        if self._progress_interval:
            ticker = asyncio.get_running_loop().create_task(self._tick())
        try:
            while not self._closed:
                index = self._client.current
                try:
                    await self._stream(index)
                    return
                except (grpc.aio.AioRpcError, _StreamEnded) as exc:
                    if self._closed:
                        return
                    if isinstance(exc, grpc.aio.AioRpcError):
                        if exc.code() not in RETRYABLE:
                            detail = exc.details() or exc.code().name
                            raise StorageError(f"etcd watch: {detail}") from None
                        log.warning("etcd watch broke (%s); resuming", exc.details())
                    failures += 1
                    self._client.failover(index)
                    if failures >= len(self._client.endpoints):
                        await asyncio.sleep(min(0.05 * failures, 1.0))
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # handed to the consumer
            self._queue.put_nowait(exc)
        finally:
            if ticker is not None:
                ticker.cancel()
            self._call = None
            self._queue.put_nowait(_END)

    async def _stream(self, index: int) -> None:
        call = self._client.watch_stream(index)
        self._call = call
        create = pb.WatchCreateRequest(
            key=self._key,
            range_end=self._range_end,
            start_revision=self.next_revision,
            prev_kv=True,
        )
        async with self._write_lock:
            await call.write(pb.WatchRequest(create_request=create))
        while True:
            response = await call.read()
            if response is grpc.aio.EOF:
                raise _StreamEnded
            self._last_response = time.monotonic()
            if self._handle(response):
                return

    def _handle(self, response: Any) -> bool:
        """Deliver one response; True when the watch is over."""
        revision = response.header.revision
        if response.compact_revision:
            self._queue.put_nowait(CompactedError(self.next_revision, response.compact_revision))
            return True
        if response.canceled:
            reason = response.cancel_reason or "canceled by etcd"
            self._queue.put_nowait(StorageError(f"etcd watch: {reason}"))
            return True
        if response.created:
            self._unconfirmed_progress = None  # an answer of a stream that is gone
            self._requests_sent = self._answers_seen = 0
            self._created_at_revision = revision
            if self.next_revision == 0:
                self.next_revision = revision + 1
            self._caught_up = self.next_revision > revision
            self._catch_up_deadline = time.monotonic() + CATCH_UP_GRACE
            if self._progress_wanted:
                self._spawn(self._send_progress_request())
            return False
        if response.events:
            events = tuple(self._keys.event(e) for e in response.events)
            self.next_revision = events[-1].kv.mod_revision + 1
            if revision >= self._created_at_revision:
                self._caught_up = True
            self._queue.put_nowait(WatchResponse(revision=revision, events=events))
            return False
        # A progress notification.
        self._answers_seen += 1
        if not self._caught_up:
            if time.monotonic() < self._catch_up_deadline:
                delay = self._catch_up_deadline - time.monotonic()
                self._spawn(self._send_progress_request(delay))
                return False
            self._caught_up = True
        if self._unconfirmed_progress is None:
            self._unconfirmed_progress = revision
            self._confirming_request = self._requests_sent + 1  # the one sent now
            self._spawn(self._send_progress_request())
            return False
        if self._answers_seen < self._confirming_request:
            return False  # an answer to a request sent before the one that confirms
        confirmed = max(self._unconfirmed_progress, self.next_revision - 1)
        self._unconfirmed_progress = None
        self._progress_wanted = False
        self.next_revision = max(self.next_revision, confirmed + 1)
        self._queue.put_nowait(WatchResponse(revision=confirmed))
        return False

    async def _tick(self) -> None:
        interval = self._progress_interval
        while True:
            await asyncio.sleep(interval)
            if time.monotonic() - self._last_response >= interval:
                await self._send_progress_request()
