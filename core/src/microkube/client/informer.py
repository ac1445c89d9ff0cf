"""Informers: list, then watch from the list's resourceVersion, into a :class:`Store`; and a
factory sharing one informer per (resource, namespace, selectors) among controllers.

As client-go's reflector and shared informer:

- The first list is paginated; the watch starts at the list's resourceVersion with bookmarks.
- A watch that ends normally (server timeout) is re-opened from the last version seen.
- A broken connection or a 429/5xx re-opens the watch from the last version seen, after an
  exponential back-off (``backoff_initial`` doubling to ``backoff_max``, with jitter).
- 410 Gone/Expired — on the watch request or as an ERROR event mid-stream — means the version
  is no longer served: the informer lists again. Objects that vanished in between reach
  ``on_delete`` as :class:`DeletedFinalStateUnknown` tombstones.

Handlers (``on_add(obj)``, ``on_update(old, new)``, ``on_delete(obj)``) may be plain functions
or coroutine functions. Each registration has its own queue and task, so a slow handler delays
only itself. A re-list reports ``on_update`` only for objects whose resourceVersion changed.
Objects are shared, not copied, between the store and every handler: don't mutate them.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
from collections.abc import Callable, Mapping
from typing import Any

from microkube.client.api import ApiClient, ResourceRef
from microkube.client.errors import ApiError, GoneError, TooManyRequestsError
from microkube.client.resources import Resource
from microkube.client.store import (
    DeletedFinalStateUnknown,
    IndexFunc,
    Obj,
    Store,
    meta_namespace_key,
)
from microkube.client.watch import ADDED, BOOKMARK, DELETED, MODIFIED

log = logging.getLogger(__name__)

Handler = Callable[..., Any]


class Backoff:
    """Exponential back-off with jitter: ``initial * factor**n`` capped at ``maximum``."""

    def __init__(
        self, initial: float = 0.8, maximum: float = 30.0, factor: float = 2.0, jitter: float = 1.0
    ) -> None:
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.jitter = jitter
        self._current = initial

    def next(self) -> float:
        """The delay to wait now; the next one is longer."""
        delay = self._current
        self._current = min(self._current * self.factor, self.maximum)
        return delay * (1 + random.random() * self.jitter)

    def reset(self) -> None:
        self._current = self.initial


class EventHandlerRegistration:
    """One set of handlers of an informer, fed in order by its own task."""

    def __init__(
        self,
        on_add: Handler | None,
        on_update: Handler | None,
        on_delete: Handler | None,
    ) -> None:
        self._handlers = {"add": on_add, "update": on_update, "delete": on_delete}
        self._queue: asyncio.Queue[tuple[str, tuple[Any, ...]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def notify(self, kind: str, *args: Any) -> None:
        if self._handlers[kind] is not None:
            self._queue.put_nowait((kind, args))

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="informer-handler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def drained(self) -> None:
        """Wait until every notification queued so far has been handled."""
        await self._queue.join()

    async def _run(self) -> None:
        while True:
            kind, args = await self._queue.get()
            try:
                handler = self._handlers[kind]
                assert handler is not None
                result = handler(*args)
                if inspect.isawaitable(result):
                    await result
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("informer %s handler failed", kind)
            finally:
                self._queue.task_done()


class Informer:
    """A list+watch cache of one resource (optionally one namespace and selectors)."""

    def __init__(
        self,
        api: ApiClient,
        resource: ResourceRef,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
        page_size: int = 500,
        watch_timeout: float = 300.0,
        backoff_initial: float = 0.8,
        backoff_max: float = 30.0,
    ) -> None:
        self.api = api
        self.resource: Resource = api.resource(resource)
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.page_size = page_size
        self.watch_timeout = watch_timeout
        self.store = Store(indexers)
        self._backoff = Backoff(backoff_initial, backoff_max)
        self._registrations: list[EventHandlerRegistration] = []
        self._synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._needs_list = True
        self._last_gone = float("-inf")
        #: the resourceVersion the cache is at: the last list's, then each event's
        self.resource_version = ""

    def __repr__(self) -> str:
        where = f" in {self.namespace}" if self.namespace else ""
        return f"<Informer {self.resource.group_resource}{where}>"

    # -- handlers -----------------------------------------------------------------------

    def add_event_handler(
        self,
        on_add: Handler | None = None,
        on_update: Handler | None = None,
        on_delete: Handler | None = None,
    ) -> EventHandlerRegistration:
        """Register handlers; objects already cached are replayed to ``on_add``."""
        registration = EventHandlerRegistration(on_add, on_update, on_delete)
        for obj in self.store.list():
            registration.notify("add", obj)
        self._registrations.append(registration)
        if self._task is not None:
            registration.start()
        return registration

    async def remove_event_handler(self, registration: EventHandlerRegistration) -> None:
        self._registrations.remove(registration)
        await registration.stop()

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        self.store.add_indexers(indexers)

    def _notify(self, kind: str, *args: Any) -> None:
        for registration in self._registrations:
            registration.notify(kind, *args)

    async def wait_for_handlers(self) -> None:
        """Wait until every handler has processed what was delivered so far."""
        await asyncio.gather(*(r.drained() for r in self._registrations))

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def has_synced(self) -> bool:
        """The first list has been stored (handlers may still be processing it)."""
        return self._synced.is_set()

    async def wait_for_sync(self) -> None:
        """Wait for the first list (bound it with ``asyncio.timeout``)."""
        await self._synced.wait()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Run in a background task (idempotent)."""
        if self._task is None:
            for registration in self._registrations:
                registration.start()
            self._task = asyncio.create_task(self.run(), name=f"informer {self.resource.plural}")

    async def stop(self) -> None:
        """Stop watching and stop the handler tasks (the store keeps its content)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        for registration in self._registrations:
            await registration.stop()

    # -- list and watch -----------------------------------------------------------------

    async def run(self) -> None:
        """List and watch until cancelled."""
        while True:
            try:
                if self._needs_list:
                    await self._list()
                await self._watch()
            except asyncio.CancelledError:
                raise
            except GoneError as exc:
                log.info("%r: %s; listing again", self, exc)
                self._needs_list = True
                loop = asyncio.get_running_loop()
                if loop.time() - self._last_gone < 1.0:
                    await asyncio.sleep(self._backoff.next())
                self._last_gone = loop.time()
            except (ApiError, OSError, TimeoutError, ValueError) as exc:
                if isinstance(exc, ApiError) and not _retry_watch(exc):
                    self._needs_list = True
                log.warning("%r: %s; retrying", self, exc)
                await asyncio.sleep(self._backoff.next())

    async def _list(self) -> None:
        result = await self.api.list_all(
            self.resource,
            self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            page_size=self.page_size,
        )
        self._replace(result.get("items") or [])
        self.resource_version = (result.get("metadata") or {}).get("resourceVersion") or ""
        self._needs_list = False
        self._backoff.reset()
        self._synced.set()

    def _replace(self, items: list[Obj]) -> None:
        fresh = {meta_namespace_key(obj): obj for obj in items}
        gone = [(key, self.store.get(key)) for key in self.store.list_keys() if key not in fresh]
        changes: list[tuple[str, tuple[Any, ...]]] = []
        for key, obj in fresh.items():
            old = self.store.get(key)
            if old is None:
                changes.append(("add", (obj,)))
            elif _rv(old) != _rv(obj):
                changes.append(("update", (old, obj)))
        self.store.replace(items)
        for kind, args in changes:
            self._notify(kind, *args)
        for key, old in gone:
            self._notify("delete", DeletedFinalStateUnknown(key, old))

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        started, seen = loop.time(), 0
        timeout = int(self.watch_timeout * (1 + random.random()))
        watch = self.api.watch(
            self.resource,
            self.namespace,
            resource_version=self.resource_version,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            allow_watch_bookmarks=True,
            timeout_seconds=max(timeout, 1),
        )
        async with watch:
            async for kind, obj in watch:
                seen += 1
                self._apply(kind, obj)
                if seen == 1:
                    self._backoff.reset()
        if seen == 0 and loop.time() - started < 1.0:
            # As client-go: a watch that ends at once without events is an error, not a loop.
            raise ConnectionError("very short watch: ended at once without events")

    def _apply(self, kind: str, obj: Obj) -> None:
        version = (obj.get("metadata") or {}).get("resourceVersion")
        if kind in (ADDED, MODIFIED):
            old = self.store.add(obj)
            if old is None:
                self._notify("add", obj)
            else:
                self._notify("update", old, obj)
        elif kind == DELETED:
            self.store.delete(obj)
            self._notify("delete", obj)
        elif kind != BOOKMARK:
            log.warning("%r: ignoring watch event of type %r", self, kind)
        if version:
            self.resource_version = version


def _rv(obj: Obj) -> str | None:
    return (obj.get("metadata") or {}).get("resourceVersion")


def _retry_watch(exc: ApiError) -> bool:
    """Errors after which the same watch may simply be retried (no re-list)."""
    return isinstance(exc, TooManyRequestsError) or exc.code >= 500


InformerKey = tuple[str, str, str, str | None, str | None, str | None]


class SharedInformerFactory:
    """One informer per (resource, namespace, label selector, field selector), shared.

    ``factory.informer("pods")`` returns the same :class:`Informer` to every controller that
    asks; :meth:`start` starts those not yet running; :meth:`shutdown` stops them all.
    """

    def __init__(self, api: ApiClient, *, namespace: str | None = None, **defaults: Any) -> None:
        self.api = api
        self.namespace = namespace
        self._defaults = defaults
        self._informers: dict[InformerKey, Informer] = {}

    def informer(
        self,
        resource: ResourceRef,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> Informer:
        res = self.api.resource(resource)
        namespace = namespace if namespace is not None else self.namespace
        key: InformerKey = (
            res.group,
            res.version,
            res.plural,
            namespace,
            label_selector,
            field_selector,
        )
        if key not in self._informers:
            self._informers[key] = Informer(
                self.api,
                res,
                namespace=namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                **self._defaults,
            )
        return self._informers[key]

    @property
    def informers(self) -> list[Informer]:
        return list(self._informers.values())

    def start(self) -> None:
        for informer in self._informers.values():
            informer.start()

    async def wait_for_cache_sync(self) -> None:
        """Wait for every informer's first list (bound it with ``asyncio.timeout``)."""
        await asyncio.gather(*(informer.wait_for_sync() for informer in self.informers))

    async def shutdown(self) -> None:
        await asyncio.gather(*(informer.stop() for informer in self._informers.values()))
