"""Node health as the controller observes it: when it last heard from each node (a changed
Ready heartbeat or a renewed Lease, timed by this controller's own clock, so clock skew
between node and controller does not matter), and the conditions a silent node gets.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import attrs

from microkube_controllers.lifecycle.nodelifecycle.taints import condition

#: The conditions a silent node's kubelet no longer vouches for.
WATCHED_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
STOPPED_REASON = "NodeStatusUnknown"
STOPPED_MESSAGE = "Kubelet stopped posting node status."
NEVER_REASON = "NodeStatusNeverUpdated"
NEVER_MESSAGE = "Kubelet never posted node status."


@attrs.define
class NodeHealth:
    probe: float  # monotonic time of the last sign of life
    heartbeat: str | None = None
    renew: str | None = None


class HealthTracker:
    def __init__(self) -> None:
        self.nodes: dict[str, NodeHealth] = {}

    def observe(
        self, node: Mapping[str, Any], lease: Mapping[str, Any] | None, now: float
    ) -> NodeHealth:
        """Record what the node and its Lease say now; a change is a sign of life."""
        name = node["metadata"]["name"]
        heartbeat = (condition(node, "Ready") or {}).get("lastHeartbeatTime")
        renew = ((lease or {}).get("spec") or {}).get("renewTime")
        health = self.nodes.get(name)
        if health is None:
            health = self.nodes[name] = NodeHealth(probe=now, heartbeat=heartbeat, renew=renew)
            return health
        if heartbeat != health.heartbeat or (renew is not None and renew != health.renew):
            health.probe = now
        health.heartbeat, health.renew = heartbeat, renew
        return health

    def reset(self, now: float) -> None:
        """A fresh grace period for every node (after a full disruption ends)."""
        for health in self.nodes.values():
            health.probe = now

    def forget(self, name: str) -> None:
        self.nodes.pop(name, None)


def unknown_conditions(node: Mapping[str, Any], now: str) -> list[dict[str, Any]] | None:
    """The node's conditions with the watched ones set ``Unknown`` (None: no change)."""
    conditions = copy.deepcopy(list((node.get("status") or {}).get("conditions") or ()))
    created = (node.get("metadata") or {}).get("creationTimestamp") or now
    changed = False
    for kind in WATCHED_CONDITIONS:
        current = next((c for c in conditions if c.get("type") == kind), None)
        if current is None:
            conditions.append(
                {
                    "type": kind,
                    "status": "Unknown",
                    "reason": NEVER_REASON,
                    "message": NEVER_MESSAGE,
                    "lastHeartbeatTime": created,
                    "lastTransitionTime": now,
                }
            )
            changed = True
        elif current.get("status") != "Unknown":
            current.update(
                status="Unknown",
                reason=STOPPED_REASON,
                message=STOPPED_MESSAGE,
                lastTransitionTime=now,
            )
            changed = True
    return conditions if changed else None
