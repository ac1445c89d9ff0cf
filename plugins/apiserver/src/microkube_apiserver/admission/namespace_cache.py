"""Namespaces as the store has them, kept current by a watch — kube-apiserver's namespace
lister for the NamespaceLifecycle plugin, so a create does not read the store.

The cache lists the namespaces, then applies the watch of their prefix from that revision;
a compacted or failed watch is listed again. Until the first list it knows nothing
(``synced`` is false). It can be behind the store by a watch's delivery time: its user
trusts only an "Active" answer and reads the store for anything else (see the plugin).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from microkube.contracts.storage import CompactedError, EventType, Storage, StorageError
from microkube_apiserver.store import keys

__all__ = ["NamespaceCache", "is_terminating"]

log = logging.getLogger(__name__)
PREFIX = keys.prefix("", "namespaces")
#: Seconds before listing again after the watch failed for another reason than compaction.
RETRY_DELAY = 1.0


def is_terminating(stored: Any) -> bool:
    """Is this stored namespace being deleted (a deletionTimestamp, or phase Terminating)?"""
    if not isinstance(stored, dict):
        return False
    return bool(
        (stored.get("metadata") or {}).get("deletionTimestamp")
        or (stored.get("status") or {}).get("phase") == "Terminating"
    )


class NamespaceCache:
    """Namespace name → terminating, from a list and a watch of the namespaces."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._terminating: dict[str, bool] = {}
        self._task: asyncio.Task[None] | None = None
        self.synced = False

    def start(self) -> None:
        """Start following the store (needs a running event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        task, self._task = self._task, None
        self.synced = False
        if task is not None:
            task.cancel()
            # gather: `suppress(CancelledError)` would also swallow a cancellation of close()
            await asyncio.gather(task, return_exceptions=True)

    def terminating(self, name: str) -> bool | None:
        """False: active; True: being deleted; None: not in the cache (or not synced)."""
        return self._terminating.get(name) if self.synced else None

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
                log.exception("the namespace cache lost its watch; listing again")
            finally:
                self.synced = False
            await asyncio.sleep(RETRY_DELAY)

    async def _follow(self) -> None:
        revision = await self._list()
        watch = self._storage.watch(PREFIX, start_revision=revision + 1)
        try:
            self.synced = True
            async for response in watch:
                for event in response.events:
                    name = event.kv.key.removeprefix(PREFIX)
                    if event.type is EventType.DELETE:
                        self._terminating.pop(name, None)
                    else:
                        _put(self._terminating, name, event.kv.value)
        finally:
            with contextlib.suppress(Exception):
                await watch.close()

    async def _list(self) -> int:
        terminating: dict[str, bool] = {}
        start_after: str | None = None
        revision = 0
        while True:
            page = await self._storage.range(
                PREFIX, start_after=start_after, limit=500, revision=revision
            )
            revision = revision or page.revision
            for kv in page.items:
                start_after = kv.key
                _put(terminating, kv.key.removeprefix(PREFIX), kv.value)
            if not page.more:
                self._terminating = terminating
                return revision


def _put(terminating: dict[str, bool], name: str, value: bytes) -> None:
    """Record the stored namespace; one that is not JSON is left out (its user reads it)."""
    try:
        terminating[name] = is_terminating(json.loads(value))
    except ValueError:
        terminating.pop(name, None)
