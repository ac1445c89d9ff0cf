"""Work queues with client-go's semantics, for asyncio.

- An item added while it waits in the queue is not queued twice.
- An item added while a worker processes it is queued again when the worker calls ``done``,
  so one item is never processed by two workers at once.
- ``add_after`` delays an add; ``add_rate_limited`` delays it by the queue's rate limiter
  (see :mod:`microkube.client.ratelimit`); ``forget`` resets the item's failure count.

A worker loop::

    while True:
        try:
            key = await queue.get()
        except ShutDown:
            return
        try:
            await reconcile(key)
            queue.forget(key)
        except Exception:
            queue.add_rate_limited(key)
        finally:
            queue.done(key)
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

from microkube.client.ratelimit import RateLimiter, default_controller_rate_limiter

T = TypeVar("T", bound=Hashable)


class ShutDown(Exception):
    """``get`` on a queue that is shut down and empty."""


class WorkQueue(Generic[T]):
    """A de-duplicating FIFO of items being processed at most once at a time."""

    def __init__(self) -> None:
        self._queue: deque[T] = deque()
        self._dirty: set[T] = set()  # queued or to be re-queued after done()
        self._processing: set[T] = set()
        self._getters: deque[asyncio.Future[None]] = deque()
        self._idle: asyncio.Event | None = None
        self._shutting_down = False

    def add(self, item: T) -> None:
        """Queue ``item`` unless it is already queued (ignored once shutting down)."""
        if self._shutting_down or item in self._dirty:
            return
        self._dirty.add(item)
        if item in self._processing:
            return
        self._queue.append(item)
        self._wake_one()

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def _wake_one(self) -> None:
        while self._getters:
            getter = self._getters.popleft()
            if not getter.done():
                getter.set_result(None)
                return

    async def get(self) -> T:
        """The next item, marked as processing; raises :class:`ShutDown` when shut down and
        nothing is left. Call :meth:`done` with the item when finished with it."""
        while not self._queue and not self._shutting_down:
            getter = asyncio.get_running_loop().create_future()
            self._getters.append(getter)
            try:
                await getter
            except asyncio.CancelledError:
                if getter in self._getters:
                    self._getters.remove(getter)
                elif getter.done() and not getter.cancelled():
                    self._wake_one()  # pass the wake-up on to another worker
                raise
        if not self._queue:
            raise ShutDown("the queue is shut down")
        item = self._queue.popleft()
        self._processing.add(item)
        self._dirty.discard(item)
        return item

    def done(self, item: T) -> None:
        """Finish processing ``item``; if it was added meanwhile, it is queued again."""
        self._processing.discard(item)
        if item in self._dirty:
            self._queue.append(item)
            self._wake_one()
        if not self._processing and self._idle is not None:
            self._idle.set()

    def shut_down(self) -> None:
        """Refuse new items; workers get what is still queued, then :class:`ShutDown`."""
        self._shutting_down = True
        while self._getters:
            getter = self._getters.popleft()
            if not getter.done():
                getter.set_result(None)

    async def shut_down_with_drain(self) -> None:
        """Shut down, then wait until no item is being processed."""
        self.shut_down()
        while self._processing:
            self._idle = asyncio.Event()
            await self._idle.wait()


class DelayingQueue(WorkQueue[T]):
    """A :class:`WorkQueue` that can add an item later; of several pending delays of one
    item, the earliest wins."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting: dict[T, asyncio.TimerHandle] = {}

    def add_after(self, item: T, delay: float) -> None:
        """Add ``item`` in ``delay`` seconds (now if ``delay`` <= 0)."""
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(item)
            return
        loop = asyncio.get_running_loop()
        at = loop.time() + delay
        pending = self._waiting.get(item)
        if pending is not None:
            if pending.when() <= at:
                return
            pending.cancel()
        self._waiting[item] = loop.call_at(at, self._ready, item)

    def _ready(self, item: T) -> None:
        self._waiting.pop(item, None)
        self.add(item)

    @property
    def waiting(self) -> int:
        """Items whose delayed add is still pending."""
        return len(self._waiting)

    def shut_down(self) -> None:
        for handle in self._waiting.values():
            handle.cancel()
        self._waiting.clear()
        super().shut_down()


class RateLimitingQueue(DelayingQueue[T]):
    """A :class:`DelayingQueue` whose retries are paced by a rate limiter (client-go's default
    controller limiter unless one is given)."""

    def __init__(self, rate_limiter: RateLimiter | None = None) -> None:
        super().__init__()
        self.rate_limiter = rate_limiter or default_controller_rate_limiter()

    def add_rate_limited(self, item: T) -> None:
        """Add ``item`` after the delay the rate limiter decides (one more failure)."""
        self.add_after(item, self.rate_limiter.when(item))

    def forget(self, item: T) -> None:
        """Clear ``item``'s failure history (it does not remove it from the queue)."""
        self.rate_limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        return self.rate_limiter.num_requeues(item)
