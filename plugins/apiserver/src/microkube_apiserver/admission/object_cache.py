"""The objects under one store prefix, kept current by a watch: an admission plugin's lister
(as Kubernetes' plugins read informer caches), so a write does not read the store.

The cache lists the prefix, then applies the watch from that revision; a compacted or failed
watch is listed again. Until the first list it knows nothing (``synced`` is false), and it
can be behind the store by a watch's delivery time: callers read the store themselves for an
answer that must not be stale (see the Priority plugin).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from microkube.contracts.storage import CompactedError, EventType, Storage, StorageError

__all__ = ["ObjectCache"]

log = logging.getLogger(__name__)
#: Seconds before listing again after the watch failed for another reason than compaction.
RETRY_DELAY = 1.0

T = TypeVar("T")


def _same(stored: Any) -> Any:
    return stored


class ObjectCache(Generic[T]):
    """Name (the key after ``prefix``) -> ``project(stored object)``, for one prefix (by
    default the object itself; a cache that needs one fact of each keeps only that)."""

    def __init__(
        self,
        storage: Storage,
        prefix: str,
        project: Callable[[Any], T] = _same,
        on_change: Callable[[str, T | None, T | None], None] | None = None,
    ) -> None:
        self._storage = storage
        self._prefix = prefix
        self._project = project
        #: ``(name, old, new)`` after each change (None = absent), for incremental indices.
        self._on_change = on_change
        self._objects: dict[str, T] = {}
        self._task: asyncio.Task[None] | None = None
        self.synced = False
        #: Bumped on every change seen (a list or a watch event): a user deriving an index
        #: from ``values()`` rebuilds it when this moved.
        self.generation = 0

    def start(self) -> None:
        """Start following the store (needs a running event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        task, self._task = self._task, None
        self.synced = False
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def get(self, name: str) -> T | None:
        return self._objects.get(name) if self.synced else None

    def values(self) -> list[T]:
        """Every cached object (empty until synced)."""
        return list(self._objects.values()) if self.synced else []

    async def _run(self) -> None:
        while True:
            try:
                await self._follow()
                return  # the watch ended: the store closed
            except CompactedError:
                continue
            except StorageError:
                return
            except Exception:
                log.exception("the cache of %s lost its watch; listing again", self._prefix)
            finally:
                self.synced = False
            await asyncio.sleep(RETRY_DELAY)

    async def _follow(self) -> None:
        revision = await self._list()
        watch = self._storage.watch(self._prefix, start_revision=revision + 1)
        try:
            self.synced = True
            async for response in watch:
                for event in response.events:
                    self.generation += 1
                    name = event.kv.key.removeprefix(self._prefix)
                    old = self._objects.get(name)
                    if event.type is EventType.DELETE:
                        self._objects.pop(name, None)
                    else:
                        self._put(self._objects, name, event.kv.value)
                    self._changed(name, old, self._objects.get(name))
        finally:
            with contextlib.suppress(Exception):
                await watch.close()

    async def _list(self) -> int:
        objects: dict[str, T] = {}
        start_after: str | None = None
        revision = 0
        while True:
            page = await self._storage.range(
                self._prefix, start_after=start_after, limit=500, revision=revision
            )
            revision = revision or page.revision
            for kv in page.items:
                start_after = kv.key
                self._put(objects, kv.key.removeprefix(self._prefix), kv.value)
            if not page.more:
                previous, self._objects = self._objects, objects
                self.generation += 1
                for name in previous.keys() - objects.keys():
                    self._changed(name, previous[name], None)
                for name, value in objects.items():
                    self._changed(name, previous.get(name), value)
                return revision

    def _changed(self, name: str, old: T | None, new: T | None) -> None:
        if self._on_change is not None and (old is not None or new is not None):
            try:
                self._on_change(name, old, new)
            except Exception:
                log.exception("the index over %s failed on %s", self._prefix, name)

    def _put(self, objects: dict[str, T], name: str, value: bytes) -> None:
        """Record the stored object; one that is not JSON is left out (its user reads it)."""
        try:
            objects[name] = self._project(json.loads(value))
        except ValueError:
            objects.pop(name, None)
