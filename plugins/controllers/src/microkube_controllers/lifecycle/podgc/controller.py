"""The pod garbage collector (kube-controller-manager's ``pod-garbage-collector``).

Every ``podgc-period`` (upstream's 20 s) it force-deletes (grace period 0), after setting a
pod that has not finished to ``Failed``:

- terminated pods beyond ``terminated-pod-gc-threshold`` (default 12500; 0 disables);
- terminating pods on not-ready nodes tainted ``node.kubernetes.io/out-of-service``;
- pods bound to a node that does not exist — once the node has been missing for
  ``podgc-orphan-quarantine`` (upstream's 40 s) and a read of the node confirms it, with a
  ``DisruptionTarget`` condition "PodGC: node no longer exists";
- terminating pods that were never scheduled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from microkube.client.errors import ConflictError, NotFoundError
from microkube.contracts.controller import ControllerContext
from microkube_controllers.common.timeutil import format_time
from microkube_controllers.lifecycle.base import (
    POD_NODE_INDEX,
    LifecycleController,
    ensure_index,
    pod_node_name,
)
from microkube_controllers.lifecycle.options import Options
from microkube_controllers.lifecycle.podgc.selection import (
    is_terminated,
    missing_nodes,
    on_nodes,
    terminated_over_threshold,
    terminating_out_of_service,
    unscheduled_terminating,
)

log = logging.getLogger(__name__)

#: the work-queue key of a collection pass
PASS = "gc"
ORPHAN_REASON = "DeletionByPodGC"
ORPHAN_MESSAGE = "PodGC: node no longer exists"


class PodGCController(LifecycleController):
    name = "podgc"
    component = "pod-garbage-collector"

    def __init__(self, context: ControllerContext) -> None:
        super().__init__(context)
        options = Options(context.options)
        self.threshold = options.integer("terminated-pod-gc-threshold", 12500)
        self.period = options.duration("podgc-period", 20.0)
        self.quarantine = options.duration("podgc-orphan-quarantine", 40.0)
        if self.period <= 0:
            raise ValueError("option podgc-period: must be positive")
        pods = self.informers.informer("pods")
        ensure_index(pods, POD_NODE_INDEX, pod_node_name)
        self.pods = self.watch(pods)
        self.nodes = self.watch(self.informers.informer("nodes"))
        #: node name -> monotonic time it was first found missing
        self._missing_since: dict[str, float] = {}

    async def reconcile(self, key: str) -> float | None:
        """The one key, :data:`PASS`, is a collection pass (retried with back-off on error)."""
        await self.collect()
        return None

    async def background(self) -> None:
        """Queue a pass every ``podgc-period`` (a pass still running is not doubled)."""
        while True:
            self.queue.add(PASS)
            await asyncio.sleep(self.period)

    async def collect(self) -> None:
        """One pass over every pod."""
        pods = self.pods.store.list()
        nodes = {node["metadata"]["name"]: node for node in self.nodes.store.list()}
        for pod in terminated_over_threshold(pods, self.threshold):
            await self._force_delete(pod)
        for pod in terminating_out_of_service(pods, nodes):
            await self._force_delete(pod)
        for pod in on_nodes(pods, await self._gone_nodes(pods, nodes)):
            await self._force_delete(pod, ORPHAN_REASON, ORPHAN_MESSAGE)
        for pod in unscheduled_terminating(pods):
            await self._force_delete(pod)

    async def _gone_nodes(self, pods: list[dict], nodes: dict[str, dict]) -> set[str]:
        """Missing nodes past their quarantine that a live read confirms are gone."""
        now = time.monotonic()
        missing = missing_nodes(pods, nodes)
        for name in list(self._missing_since):
            if name not in missing:
                del self._missing_since[name]
        gone = set()
        for name in missing:
            since = self._missing_since.setdefault(name, now)
            if now - since < self.quarantine:
                continue
            try:
                await self.client.get("nodes", name)
            except NotFoundError:
                gone.add(name)
                continue
            del self._missing_since[name]  # it exists after all: the cache was behind
        return gone

    async def _force_delete(
        self, pod: dict[str, Any], reason: str | None = None, message: str | None = None
    ) -> None:
        meta = pod["metadata"]
        name, namespace = meta["name"], meta["namespace"]
        log.info("podgc: force deleting pod %s/%s", namespace, name)
        try:
            if not is_terminated(pod):
                status: dict[str, Any] = {"phase": "Failed"}
                if reason:
                    conditions = [
                        c
                        for c in (pod.get("status") or {}).get("conditions") or ()
                        if c.get("type") != "DisruptionTarget"
                    ]
                    conditions.append(
                        {
                            "type": "DisruptionTarget",
                            "status": "True",
                            "reason": reason,
                            "message": message,
                            "lastTransitionTime": format_time(),
                        }
                    )
                    status["conditions"] = conditions
                await self.client.patch_status("pods", name, {"status": status}, namespace)
            await self.client.delete(
                "pods",
                name,
                namespace,
                grace_period_seconds=0,
                preconditions={"uid": meta["uid"]},
            )
        except (NotFoundError, ConflictError):
            return
