"""The node lifecycle controller (kube-controller-manager's ``node-lifecycle-controller``,
with the taint eviction that 1.29 split into ``taint-eviction-controller``).

- Every ``node-monitor-period`` (5 s) each node's health is checked: a node whose Ready
  heartbeat has not changed and whose Lease in ``kube-node-lease`` has not been renewed for
  ``node-monitor-grace-period`` (40 s; ``node-startup-grace-period``, 60 s, before its first
  status) gets Ready, MemoryPressure, DiskPressure and PIDPressure ``Unknown`` with reason
  ``NodeStatusUnknown``, "Kubelet stopped posting node status.", a ``NodeNotReady`` event,
  and its pods' Ready condition set False.
- Taints: ``node.kubernetes.io/not-ready`` (Ready False) or ``unreachable`` (Ready Unknown)
  as NoExecute — added at the zone's eviction rate (``node-eviction-rate``, 0.1 nodes/s; none
  while every zone is fully disrupted) — and as NoSchedule, with the pressure conditions'
  and ``spec.unschedulable``'s NoSchedule taints; all removed when the node is Ready again.
- Pods on a node with NoExecute taints are evicted (a ``DisruptionTarget`` condition, then
  deleted, with a ``TaintManagerEviction`` event) when a taint is not tolerated, or once the
  shortest ``tolerationSeconds`` of the tolerations used has passed since the taint was added.
  Pods get 300 s tolerations for both taints from the API server's defaulting admission.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

from microkube.client.errors import ApiError, ConflictError, NotFoundError
from microkube.contracts.controller import ControllerContext
from microkube_controllers.common.handlers import unwrap_tombstone
from microkube_controllers.common.timeutil import format_time, parse_time
from microkube_controllers.lifecycle.base import (
    POD_NODE_INDEX,
    LifecycleController,
    ensure_index,
    pod_node_name,
)
from microkube_controllers.lifecycle.nodelifecycle.health import (
    HealthTracker,
    unknown_conditions,
)
from microkube_controllers.lifecycle.nodelifecycle.taints import (
    NO_EXECUTE,
    NOT_READY,
    UNREACHABLE,
    condition,
    has_taint,
    no_execute_key,
    node_taints,
    ready_status,
    toleration_seconds,
    with_no_execute,
    with_no_schedule,
)
from microkube_controllers.lifecycle.nodelifecycle.zones import (
    ZoneState,
    ZoneTainter,
    eviction_rate,
    zone_key,
    zone_state,
)
from microkube_controllers.lifecycle.options import Options

log = logging.getLogger(__name__)

LEASE_NAMESPACE = "kube-node-lease"
#: how often nodes waiting for their NoExecute taint are looked at (upstream: 100 ms)
TAINTING_PERIOD = 0.1
DISRUPTION_REASON = "DeletionByTaintManager"
DISRUPTION_MESSAGE = "Taint manager: deleting due to NoExecute taint"


class NodeLifecycleController(LifecycleController):
    name = "nodelifecycle"
    component = "node-controller"

    def __init__(self, context: ControllerContext) -> None:
        super().__init__(context)
        options = Options(context.options)
        self.monitor_period = options.duration("node-monitor-period", 5.0)
        self.grace_period = options.duration("node-monitor-grace-period", 40.0)
        self.startup_grace_period = options.duration("node-startup-grace-period", 60.0)
        self.eviction_qps = options.number("node-eviction-rate", 0.1)
        self.secondary_eviction_qps = options.number("secondary-node-eviction-rate", 0.01)
        self.unhealthy_threshold = options.number("unhealthy-zone-threshold", 0.55)
        self.large_cluster_threshold = options.integer("large-cluster-size-threshold", 50)
        if self.monitor_period <= 0:
            raise ValueError("option node-monitor-period: must be positive")
        self.health = HealthTracker()
        self.tainter = ZoneTainter()
        self.zone_states: dict[str, ZoneState] = {}
        self.all_disrupted = False
        self.nodes = self.watch(
            self.informers.informer("nodes"),
            on_add=lambda node: self._node_changed(None, node),
            on_update=self._node_changed,
            on_delete=self._node_deleted,
        )
        self.leases = self.watch(self.informers.informer("leases", namespace=LEASE_NAMESPACE))
        pods = self.informers.informer("pods")
        ensure_index(pods, POD_NODE_INDEX, pod_node_name)
        self.pods = self.watch(
            pods,
            on_add=self._pod_changed,
            on_update=lambda old, new: self._pod_changed(new),
        )

    # -- events -----------------------------------------------------------------------------

    def _node_changed(self, old: Mapping[str, Any] | None, node: Mapping[str, Any]) -> None:
        name = node["metadata"]["name"]
        self.queue.add(f"node:{name}")
        if (
            old is None
            or _no_execute(old) != _no_execute(node)
            or (ready_status(old) != ready_status(node))
        ):
            self._enqueue_pods(name)

    def _node_deleted(self, node: Any) -> None:
        name = unwrap_tombstone(node)["metadata"]["name"]
        self.health.forget(name)
        self.tainter.remove(name)

    def _pod_changed(self, pod: Mapping[str, Any]) -> None:
        meta = pod.get("metadata") or {}
        if (pod.get("spec") or {}).get("nodeName") and not meta.get("deletionTimestamp"):
            self.queue.add(f"pod:{meta.get('namespace')}/{meta.get('name')}")

    def _enqueue_pods(self, node_name: str) -> None:
        for pod in self.pods.store.by_index(POD_NODE_INDEX, node_name):
            self._pod_changed(pod)

    # -- periodic passes ----------------------------------------------------------------------

    async def background(self) -> None:
        tainting = asyncio.create_task(self._tainting_loop(), name="nodelifecycle tainting")
        try:
            while True:
                try:
                    await self.monitor()
                except (ApiError, OSError, ValueError) as exc:
                    log.warning("nodelifecycle: monitoring nodes failed: %s", exc)
                await asyncio.sleep(self.monitor_period)
        finally:
            tainting.cancel()

    async def monitor(self) -> None:
        """One health pass over every node, then the zones' disruption states."""
        now = time.monotonic()
        nodes = []
        for node in self.nodes.store.list():
            name = node["metadata"]["name"]
            lease = self.leases.store.get(f"{LEASE_NAMESPACE}/{name}")
            health = self.health.observe(node, lease, now)
            grace = self.grace_period
            if condition(node, "Ready") is None:
                grace = self.startup_grace_period
            if now - health.probe > grace:
                node = await self._mark_unknown(node)
            nodes.append(node)
        self._handle_disruption(nodes, now)
        for node in nodes:
            self.queue.add(f"node:{node['metadata']['name']}")

    async def _mark_unknown(self, node: dict[str, Any]) -> dict[str, Any]:
        conditions = unknown_conditions(node, format_time())
        if conditions is None:
            return node
        name = node["metadata"]["name"]
        was_ready = ready_status(node) == "True"
        patch = {
            "metadata": {"resourceVersion": node["metadata"]["resourceVersion"]},
            "status": {"conditions": conditions},
        }
        try:
            updated = await self.client.patch_status("nodes", name, patch)
        except (ConflictError, NotFoundError) as exc:
            log.info("nodelifecycle: node %s changed meanwhile (%s); next pass", name, exc)
            return node
        log.info("nodelifecycle: node %s stopped posting status: Ready Unknown", name)
        if was_ready:
            self.recorder.event(
                updated, "Normal", "NodeNotReady", f"Node {name} status is now: NodeNotReady"
            )
        return updated

    def _handle_disruption(self, nodes: list[dict[str, Any]], now: float) -> None:
        zones: dict[str, list[dict[str, Any]]] = {}
        for node in nodes:
            zones.setdefault(zone_key(node), []).append(node)
        states = {
            zone: zone_state(members, self.unhealthy_threshold) for zone, members in zones.items()
        }
        all_disrupted = bool(states) and all(
            state is ZoneState.FULL_DISRUPTION for state in states.values()
        )
        if all_disrupted and not self.all_disrupted:
            log.warning(
                "nodelifecycle: no node in any zone is ready: entering master disruption "
                "mode, no NoExecute taints and no evictions"
            )
        if self.all_disrupted and not all_disrupted:
            log.info("nodelifecycle: nodes are ready again: leaving master disruption mode")
            self.health.reset(now)  # every node gets a fresh grace period
        self.all_disrupted = all_disrupted
        for zone, state in states.items():
            rate = (
                0.0
                if all_disrupted
                else eviction_rate(
                    state,
                    len(zones[zone]),
                    self.eviction_qps,
                    self.secondary_eviction_qps,
                    self.large_cluster_threshold,
                )
            )
            self.tainter.set_rate(zone, rate)
            if self.zone_states.get(zone) not in (None, state):
                log.info("nodelifecycle: zone %r is now %s", zone, state.value)
        self.zone_states = states

    async def _tainting_loop(self) -> None:
        while True:
            await asyncio.sleep(TAINTING_PERIOD)
            for name in self.tainter.release():
                node = self.nodes.store.get(name)
                if node is None or self.all_disrupted:
                    continue
                key = no_execute_key(node)
                taints = with_no_execute(node, key, format_time()) if key else None
                if taints is None:
                    continue
                try:
                    await self._write_taints(node, taints)
                except ConflictError:
                    self.tainter.add(zone_key(node), name)
                except (ApiError, OSError) as exc:
                    log.warning("nodelifecycle: tainting node %s failed: %s", name, exc)

    # -- work -------------------------------------------------------------------------------

    async def reconcile(self, key: str) -> float | None:
        kind, _, rest = key.partition(":")
        if kind == "node":
            await self._sync_node(rest)
            return None
        return await self._sync_pod(rest)

    async def _sync_node(self, name: str) -> None:
        node = self.nodes.store.get(name)
        if node is None:
            self.tainter.remove(name)
            return
        taints = with_no_schedule(node)
        if taints is not None:
            node = await self._write_taints(node, taints)
        wanted = None if self.all_disrupted else no_execute_key(node)
        if wanted is None or has_taint(node, wanted, NO_EXECUTE):
            self.tainter.remove(name)
            taints = with_no_execute(node, wanted, format_time())
            if taints is not None:
                await self._write_taints(node, taints)
            return
        other = UNREACHABLE if wanted == NOT_READY else NOT_READY
        if has_taint(node, other, NO_EXECUTE):
            # swapping one NoExecute taint for the other is not rate limited
            self.tainter.remove(name)
            await self._write_taints(node, with_no_execute(node, wanted, format_time()) or [])
            return
        self.tainter.add(zone_key(node), name)

    async def _write_taints(self, node: dict[str, Any], taints: list[dict]) -> dict[str, Any]:
        meta = node["metadata"]
        patch = {
            "metadata": {"resourceVersion": meta["resourceVersion"]},
            "spec": {"taints": taints or None},
        }
        return await self.client.patch("nodes", meta["name"], patch)

    async def _sync_pod(self, key: str) -> float | None:
        pod = self.pods.store.get(key)
        if pod is None or (pod.get("metadata") or {}).get("deletionTimestamp"):
            return None
        node = self.nodes.store.get((pod.get("spec") or {}).get("nodeName") or "")
        if node is None:
            return None
        if ready_status(node) != "True":
            pod = await self._mark_pod_not_ready(pod)
        taints = _no_execute(node)
        if not taints:
            return None
        tolerations = (pod.get("spec") or {}).get("tolerations") or []
        tolerated, seconds = toleration_seconds(tolerations, taints)
        if tolerated:
            if seconds is None:
                return None  # tolerated forever
            added = [parse_time(t.get("timeAdded")) for t in taints]
            since = min((a.timestamp() for a in added if a is not None), default=time.time())
            remaining = since + seconds - time.time()
            if remaining > 0:
                return remaining
        await self._evict(pod)
        return None

    async def _mark_pod_not_ready(self, pod: dict[str, Any]) -> dict[str, Any]:
        """Upstream ``MarkPodsNotReady``: the pod's Ready condition is set False."""
        conditions = [dict(c) for c in (pod.get("status") or {}).get("conditions") or ()]
        ready = next((c for c in conditions if c.get("type") == "Ready"), None)
        if ready is None or ready.get("status") == "False":
            return pod
        ready.update(status="False", lastTransitionTime=format_time())
        meta = pod["metadata"]
        patch = {
            "metadata": {"resourceVersion": meta["resourceVersion"]},
            "status": {"conditions": conditions},
        }
        updated = await self.client.patch_status("pods", meta["name"], patch, meta["namespace"])
        self.recorder.event(updated, "Warning", "NodeNotReady", "Node is not ready")
        return updated

    async def _evict(self, pod: dict[str, Any]) -> None:
        meta = pod["metadata"]
        name, namespace = meta["name"], meta["namespace"]
        log.info("nodelifecycle: evicting pod %s/%s (NoExecute taint)", namespace, name)
        self.recorder.event(
            pod, "Normal", "TaintManagerEviction", f"Marking for deletion Pod {namespace}/{name}"
        )
        conditions = [
            dict(c)
            for c in (pod.get("status") or {}).get("conditions") or ()
            if c.get("type") != "DisruptionTarget"
        ]
        conditions.append(
            {
                "type": "DisruptionTarget",
                "status": "True",
                "reason": DISRUPTION_REASON,
                "message": DISRUPTION_MESSAGE,
                "lastTransitionTime": format_time(),
            }
        )
        try:
            await self.client.patch_status(
                "pods", name, {"status": {"conditions": conditions}}, namespace
            )
            await self.client.delete("pods", name, namespace, preconditions={"uid": meta["uid"]})
        except NotFoundError:
            return


def _no_execute(node: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [t for t in node_taints(node) if t.get("effect") == NO_EXECUTE]
