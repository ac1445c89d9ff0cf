"""A DaemonSet's status from its nodes and pods (upstream ``updateDaemonSetStatus``): what
``kubectl get ds`` prints and ``kubectl rollout status ds/x`` waits on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from microkube_controllers.common.pods import is_pod_available, is_pod_ready
from microkube_controllers.daemonset.node_pods import by_age, is_updated
from microkube_controllers.daemonset.placement import Placement

__all__ = ["daemon_set_status"]

Pod = Mapping[str, Any]


def daemon_set_status(
    daemon_set: Mapping[str, Any],
    placements: Mapping[str, Placement],
    node_pods: Mapping[str, Sequence[Pod]],
    *,
    revision_hash: str,
    now: datetime,
) -> dict[str, Any]:
    """The new ``status`` (conditions and collisionCount kept from the current one)."""
    spec = daemon_set.get("spec") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    desired = current = misscheduled = ready = available = updated = 0
    for node, where in placements.items():
        pods = node_pods.get(node) or ()
        if where.should_run:
            desired += 1
            if pods:
                current += 1
                oldest = sorted(pods, key=by_age)[0]
                if is_pod_ready(oldest):
                    ready += 1
                    if is_pod_available(oldest, min_ready, now):
                        available += 1
                if is_updated(oldest, revision_hash):
                    updated += 1
        elif pods:
            misscheduled += 1
    previous = daemon_set.get("status") or {}
    status: dict[str, Any] = {
        "currentNumberScheduled": current,
        "numberMisscheduled": misscheduled,
        "desiredNumberScheduled": desired,
        "numberReady": ready,
        "observedGeneration": (daemon_set.get("metadata") or {}).get("generation"),
        "updatedNumberScheduled": updated,
        "numberAvailable": available,
        "numberUnavailable": desired - available,
    }
    for kept in ("collisionCount", "conditions"):
        if previous.get(kept) is not None:
            status[kept] = previous[kept]
    return status
