"""Pod state as controllers judge it: active, ready, available, and upstream's ranking of
which active pods to delete first (``controller.ActivePodsWithRanks``)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from microkube_controllers.common.timeutil import parse_time

__all__ = [
    "DELETION_COST_ANNOTATION",
    "deletion_rank_key",
    "get_pod_ready_condition",
    "is_pod_active",
    "is_pod_available",
    "is_pod_ready",
    "pod_key",
    "rank_pods_for_deletion",
]

#: Pods with lower cost are deleted first when a ReplicaSet scales down.
DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"

_PHASE_ORDER = {"Pending": 0, "Unknown": 1, "Running": 2}


def pod_key(pod: Mapping[str, Any]) -> str:
    """``namespace/name`` of a pod (upstream ``controller.PodKey``)."""
    meta = pod.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


def is_pod_active(pod: Mapping[str, Any]) -> bool:
    """Not Succeeded, not Failed and not being deleted (upstream ``controller.IsPodActive``)."""
    phase = (pod.get("status") or {}).get("phase")
    deleting = (pod.get("metadata") or {}).get("deletionTimestamp")
    return phase not in ("Succeeded", "Failed") and not deleting


def get_pod_ready_condition(pod: Mapping[str, Any]) -> dict[str, Any] | None:
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition
    return None


def is_pod_ready(pod: Mapping[str, Any]) -> bool:
    """The pod's ``Ready`` condition is ``True``."""
    condition = get_pod_ready_condition(pod)
    return condition is not None and condition.get("status") == "True"


def is_pod_available(pod: Mapping[str, Any], min_ready_seconds: int, now: datetime) -> bool:
    """Ready for at least ``min_ready_seconds`` at ``now`` (upstream ``podutil.IsPodAvailable``)."""
    if not is_pod_ready(pod):
        return False
    if not min_ready_seconds:
        return True
    condition = get_pod_ready_condition(pod) or {}
    since = parse_time(condition.get("lastTransitionTime"))
    if since is None:
        return False
    return (now - since).total_seconds() > min_ready_seconds


def _ready_time(pod: Mapping[str, Any]) -> datetime | None:
    if not is_pod_ready(pod):
        return None
    return parse_time((get_pod_ready_condition(pod) or {}).get("lastTransitionTime"))


def _deletion_cost(pod: Mapping[str, Any]) -> int:
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    try:
        return int(annotations.get(DELETION_COST_ANNOTATION, 0))
    except (TypeError, ValueError):
        return 0


def _max_restarts(pod: Mapping[str, Any]) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return max((int(s.get("restartCount") or 0) for s in statuses), default=0)


def _log_rank(moment: datetime | None, now: datetime) -> float:
    """Upstream's logarithmic scale-down bucket: ``floor(log2(age in ns))``; no time sorts
    as the newest."""
    if moment is None:
        return -math.inf
    nanos = (now - moment).total_seconds() * 1e9
    return math.floor(math.log2(nanos)) if nanos > 0 else -1


def deletion_rank_key(pod: Mapping[str, Any], rank: int, now: datetime) -> tuple[Any, ...]:
    """A sort key putting the pod to delete first first, as upstream's ``ActivePodsWithRanks``
    (with LogarithmicScaleDown, on by default since 1.22):

    1. unscheduled before scheduled; 2. Pending < Unknown < Running; 3. not ready before ready;
    4. lower ``pod-deletion-cost`` first; 5. more related pods on the same node (``rank``)
    first; 6. ready more recently first (log2 buckets); 7. more container restarts first;
    8. created more recently first (log2 buckets); then by UID.
    """
    meta = pod.get("metadata") or {}
    status = pod.get("status") or {}
    ready = is_pod_ready(pod)
    return (
        1 if (pod.get("spec") or {}).get("nodeName") else 0,
        _PHASE_ORDER.get(status.get("phase") or "", 0),
        1 if ready else 0,
        _deletion_cost(pod),
        -rank,
        _log_rank(_ready_time(pod), now) if ready else 0,
        -_max_restarts(pod),
        _log_rank(parse_time(meta.get("creationTimestamp")), now),
        meta.get("uid", ""),
    )


def rank_pods_for_deletion(
    pods: Sequence[Mapping[str, Any]],
    related: Sequence[Mapping[str, Any]] = (),
    now: datetime | None = None,
) -> list[Mapping[str, Any]]:
    """``pods`` ordered so the first are the ones to delete first.

    ``related`` are the active pods of the owner and its siblings (ReplicaSets of one
    Deployment): a pod on a node crowded with related pods goes first, spreading what remains.
    """
    now = now or datetime.now(UTC)
    per_node: dict[str, int] = {}
    for other in related:
        if is_pod_active(other):
            node = (other.get("spec") or {}).get("nodeName") or ""
            per_node[node] = per_node.get(node, 0) + 1
    return sorted(
        pods,
        key=lambda pod: deletion_rank_key(
            pod, per_node.get((pod.get("spec") or {}).get("nodeName") or "", 0), now
        ),
    )
