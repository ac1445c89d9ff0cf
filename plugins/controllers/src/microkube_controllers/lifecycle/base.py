"""The reconcile loop of the lifecycle controllers: the shared
:class:`~microkube_controllers.common.base.QueueController` plus what these controllers need
on top — a sync that may ask to look at its key again after a delay (a deadline it waits for:
a grace period, a toleration, a quarantine), and a periodic task beside the workers (a
monitor pass, as upstream's ``wait.Until`` loops).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
from typing import Any

from microkube.client.informer import Informer
from microkube.client.store import IndexFunc
from microkube_controllers.common.base import QueueController

log = logging.getLogger(__name__)


class LifecycleController(QueueController):
    """Subclasses implement :meth:`reconcile` (and optionally :meth:`background`)."""

    async def sync(self, key: str) -> None:
        again = await self.reconcile(key)
        if again is not None:
            self.queue.add_after(key, max(again, 0.0))

    @abc.abstractmethod
    async def reconcile(self, key: str) -> float | None:
        """Reconcile one key; a number asks to look at it again after that many seconds."""

    async def background(self) -> None:
        """Runs beside the workers once the informers are synced (nothing by default)."""

    async def run(self, workers: int) -> None:
        task = asyncio.create_task(self._background(), name=f"{self.name} background")
        try:
            await super().run(workers)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _background(self) -> None:
        await self.wait_for_informers()
        await self.background()


def ensure_index(informer: Informer, name: str, func: IndexFunc) -> None:
    """Add an index to a shared informer unless a controller of this package already did
    (names are prefixed ``lifecycle/`` and always bound to the same function)."""
    with contextlib.suppress(ValueError):
        informer.add_indexers({name: func})


def pod_node_name(pod: dict[str, Any]) -> list[str]:
    """Index function: the node a pod is bound to."""
    node = (pod.get("spec") or {}).get("nodeName")
    return [node] if node else []


#: the pods informer's index of :func:`pod_node_name`
POD_NODE_INDEX = "lifecycle/nodeName"
