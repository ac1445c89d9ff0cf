"""The shape of every controller: informers feed a rate-limited work queue of keys; N workers
take keys and reconcile one object each (``sync``), at most one worker per key at a time.

A failed ``sync`` puts its key back after the rate limiter's delay (per-item exponential
back-off plus an overall token bucket, as client-go's default controller limiter); a
successful one forgets the key's failures. Subclasses register their informer handlers in
``__init__`` (with :meth:`QueueController.watch`) and implement :meth:`QueueController.sync`.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from microkube.client.events import EventRecorder
from microkube.client.informer import Informer
from microkube.client.ratelimit import RateLimiter
from microkube.client.workqueue import RateLimitingQueue, ShutDown
from microkube.contracts.controller import ControllerContext
from microkube_controllers.common.handlers import key_of

__all__ = ["QueueController"]

log = logging.getLogger(__name__)


class QueueController(abc.ABC):
    """Base for a reconcile loop keyed ``namespace/name``.

    ``name`` is the controller's name (``replicaset``); ``component`` the event source
    (``replicaset-controller``). ``max_retries`` (None = forever) drops a key after that many
    consecutive failures, as some upstream controllers do.
    """

    name: str = ""
    component: str = ""

    def __init__(
        self,
        context: ControllerContext,
        *,
        rate_limiter: RateLimiter | None = None,
        max_retries: int | None = None,
    ) -> None:
        self.context = context
        self.client = context.client
        self.informers = context.informers
        self.options: Mapping[str, Any] = context.options or {}
        self.queue: RateLimitingQueue[str] = RateLimitingQueue(rate_limiter)
        self.max_retries = max_retries
        self.recorder = EventRecorder(self.client, self.component or self.name)
        self._watched: list[Informer] = []

    # -- wiring ---------------------------------------------------------------------------

    def watch(self, informer: Informer, **handlers: Any) -> Informer:
        """Register ``handlers`` (``on_add``/``on_update``/``on_delete``) on ``informer`` and
        wait for its sync before the workers start."""
        if handlers:
            informer.add_event_handler(**handlers)
        if informer not in self._watched:
            self._watched.append(informer)
        return informer

    def enqueue(self, obj: Any) -> None:
        """Queue an object (or tombstone) by its key."""
        self.queue.add(key_of(obj))

    def enqueue_after(self, obj: Any, delay: float) -> None:
        self.queue.add_after(key_of(obj), delay)

    # -- running --------------------------------------------------------------------------

    async def wait_for_informers(self) -> None:
        """Start the shared informers (idempotent) and wait for this controller's to sync."""
        self.informers.start()
        await asyncio.gather(*(informer.wait_for_sync() for informer in self._watched))

    async def run(self, workers: int) -> None:
        """Run ``workers`` workers until cancelled; the queue is shut down on the way out."""
        self.recorder.start()
        try:
            await self.wait_for_informers()
            log.info("%s: caches synced, starting %d workers", self.name, workers)
            async with asyncio.TaskGroup() as group:
                for number in range(max(1, workers)):
                    group.create_task(self._worker(), name=f"{self.name} worker {number}")
        finally:
            self.queue.shut_down()
            await self.recorder.stop(flush=1.0)

    async def _worker(self) -> None:
        while True:
            try:
                key = await self.queue.get()
            except ShutDown:
                return
            try:
                await self.sync(key)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._handle_error(key, exc)
            else:
                self.queue.forget(key)
            finally:
                self.queue.done(key)

    def _handle_error(self, key: str, exc: Exception) -> None:
        retries = self.queue.num_requeues(key)
        if self.max_retries is not None and retries >= self.max_retries:
            log.warning(
                "%s: dropping %s out of the queue after %d retries: %s",
                self.name,
                key,
                retries,
                exc,
            )
            self.queue.forget(key)
            return
        log.info("%s: error syncing %s (retry %d): %s", self.name, key, retries + 1, exc)
        log.debug("%s: sync of %s failed", self.name, key, exc_info=exc)
        self.queue.add_rate_limited(key)

    @abc.abstractmethod
    async def sync(self, key: str) -> None:
        """Reconcile the object with ``key``; raise to have it retried later."""
