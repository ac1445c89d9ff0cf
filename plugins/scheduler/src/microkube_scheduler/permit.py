"""Pods held at Permit: a Permit plugin answering WAIT parks the pod here until every plugin
that asked allows it (``handle.waiting_pods.get(key).allow(name)``), one rejects it, or the
longest wait asked for runs out (then it is rejected, as upstream)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from typing import Any

from microkube.contracts.scheduling import SUCCESS, Status


class WaitingPod:
    """A pod held at Permit until every plugin that asked it to WAIT allows it."""

    def __init__(self, pod: Any, node_name: str, waits: Mapping[str, float]) -> None:
        self.pod = pod
        self.node_name = node_name
        self.key = f"{pod.metadata.namespace}/{pod.metadata.name}"
        self.pending = set(waits)
        self.within = max(waits.values())
        self._result: asyncio.Future[Status] = asyncio.get_running_loop().create_future()

    def allow(self, plugin: str) -> None:
        self.pending.discard(plugin)
        if not self.pending and not self._result.done():
            self._result.set_result(SUCCESS)

    def reject(self, plugin: str, message: str) -> None:
        if not self._result.done():
            self._result.set_result(Status.unschedulable(message, plugin=plugin))

    async def wait(self) -> Status:
        try:
            async with asyncio.timeout(self.within):
                return await self._result
        except TimeoutError:
            plugins = ", ".join(sorted(self.pending))
            return Status.unschedulable(
                f"rejected due to timeout after waiting {self.within}s at plugin {plugins}"
            )


class WaitingPods:
    """The pods waiting at Permit, by namespace/name (``handle.waiting_pods``)."""

    def __init__(self) -> None:
        self._pods: dict[str, WaitingPod] = {}

    def add(self, pod: Any, node_name: str, waits: Mapping[str, float]) -> WaitingPod:
        waiting = WaitingPod(pod, node_name, waits)
        self._pods[waiting.key] = waiting
        return waiting

    def get(self, key: str) -> WaitingPod | None:
        return self._pods.get(key)

    def remove(self, key: str) -> None:
        self._pods.pop(key, None)

    def __iter__(self) -> Iterator[WaitingPod]:
        return iter(list(self._pods.values()))
