"""A ReplicaSet's status as the controller computes it (upstream ``calculateStatus``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from microkube_controllers.common.conditions import (
    get_condition,
    new_condition,
    remove_condition,
    set_condition,
)
from microkube_controllers.common.pods import is_pod_available, is_pod_ready

__all__ = ["REPLICA_FAILURE", "calculate_status", "status_changed"]

REPLICA_FAILURE = "ReplicaFailure"
_COUNTS = ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas")


def calculate_status(
    rs: Mapping[str, Any],
    pods: Sequence[Mapping[str, Any]],
    manage_error: BaseException | None,
    now: datetime,
) -> dict[str, Any]:
    """The new ``status`` of ``rs`` given its active, claimed ``pods`` and the outcome of
    creating/deleting pods (``manage_error``)."""
    spec = rs.get("spec") or {}
    status = dict(rs.get("status") or {})
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    fully_labeled = ready = available = 0
    for pod in pods:
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if all(labels.get(k) == v for k, v in template_labels.items()):
            fully_labeled += 1
        if is_pod_ready(pod):
            ready += 1
            if is_pod_available(pod, min_ready, now):
                available += 1
    conditions = status.get("conditions") or []
    failure = get_condition(conditions, REPLICA_FAILURE)
    if manage_error is not None and failure is None:
        diff = len(pods) - int(spec.get("replicas", 1))
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        condition = new_condition(REPLICA_FAILURE, "True", reason, str(manage_error))
        condition.pop("lastUpdateTime")
        conditions = set_condition(conditions, condition)
    elif manage_error is None and failure is not None:
        conditions = remove_condition(conditions, REPLICA_FAILURE)
    status.update(
        replicas=len(pods),
        fullyLabeledReplicas=fully_labeled,
        readyReplicas=ready,
        availableReplicas=available,
    )
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)
    return status


def status_changed(rs: Mapping[str, Any], status: Mapping[str, Any]) -> bool:
    """Whether ``status`` differs from what is stored (counts, conditions, or the generation
    not yet observed)."""
    current = rs.get("status") or {}
    meta = rs.get("metadata") or {}
    if any(int(current.get(k) or 0) != int(status.get(k) or 0) for k in _COUNTS):
        return True
    if (current.get("conditions") or []) != (status.get("conditions") or []):
        return True
    return current.get("observedGeneration") != meta.get("generation")
