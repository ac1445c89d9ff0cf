"""Pods bound to a node, from the API server: an informer on pods with
``spec.nodeName=<node>`` feeding the kubelet. :class:`SharedPodSource` is the hollow-node
variant: one informer for every node of the process, dispatching by ``spec.nodeName``.

The informer keeps its cache while the API server is away (no deletions are invented) and
re-lists when it is back, so a pod deleted meanwhile arrives as a deletion then.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any, Protocol

from microkube.client.api import ApiClient
from microkube.client.informer import Informer

__all__ = ["ApiPodSource", "PodSink", "SharedPodSource"]


class PodSink(Protocol):
    api_synced: bool

    def pod_added(self, pod: dict[str, Any]) -> None: ...

    def pod_updated(self, pod: dict[str, Any]) -> None: ...

    def pod_deleted(self, pod: dict[str, Any]) -> None: ...


def _unwrap(obj: Any) -> dict[str, Any]:
    return getattr(obj, "obj", obj)


class SharedPodSource:
    """One pod informer for many kubelets of this process (or one)."""

    def __init__(
        self, api: ApiClient, sinks: Mapping[str, PodSink], *, field_selector: str | None
    ) -> None:
        self.sinks = sinks
        self.informer = Informer(api, "pods", field_selector=field_selector)
        self.informer.add_event_handler(self._added, self._updated, self._deleted)
        self._synced_task: asyncio.Task[None] | None = None

    def _sink(self, pod: Mapping[str, Any]) -> PodSink | None:
        return self.sinks.get((pod.get("spec") or {}).get("nodeName") or "")

    def _added(self, pod: dict[str, Any]) -> None:
        sink = self._sink(pod)
        if sink is not None:
            sink.pod_added(pod)

    def _updated(self, old: dict[str, Any], pod: dict[str, Any]) -> None:
        sink = self._sink(pod)
        if sink is not None:
            sink.pod_updated(pod)

    def _deleted(self, obj: Any) -> None:
        pod = _unwrap(obj)
        sink = self._sink(pod)
        if sink is not None:
            sink.pod_deleted(pod)

    async def _mark_synced(self) -> None:
        await self.informer.wait_for_sync()
        await self.informer.wait_for_handlers()
        for sink in self.sinks.values():
            sink.api_synced = True

    def start(self) -> None:
        self.informer.start()
        self._synced_task = asyncio.create_task(self._mark_synced())

    async def stop(self) -> None:
        if self._synced_task is not None:
            self._synced_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._synced_task
        await self.informer.stop()


class ApiPodSource(SharedPodSource):
    """The pods of one node."""

    def __init__(self, api: ApiClient, node_name: str, sink: PodSink) -> None:
        super().__init__(api, {node_name: sink}, field_selector=f"spec.nodeName={node_name}")
