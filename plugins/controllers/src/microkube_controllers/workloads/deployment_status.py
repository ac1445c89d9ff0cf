"""A Deployment's status and conditions, as upstream's ``calculateStatus`` and
``syncRolloutStatus`` compute them.

Conditions (what ``kubectl rollout status`` and ``kubectl describe`` read):

- ``Available``: ``True``/``MinimumReplicasAvailable`` once at least
  ``replicas - maxUnavailable`` pods are available, else ``False``/``MinimumReplicasUnavailable``;
- ``Progressing`` (only with a progress deadline): ``NewReplicaSetCreated``,
  ``FoundNewReplicaSet``, ``ReplicaSetUpdated`` (progress seen), ``NewReplicaSetAvailable``
  (complete), ``False``/``ProgressDeadlineExceeded``, ``Unknown``/``DeploymentPaused`` and
  ``DeploymentResumed``;
- ``ReplicaFailure`` copied from the ReplicaSets.
"""

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
from microkube_controllers.workloads import deployment_util as util

__all__ = [
    "AVAILABLE",
    "PROGRESSING",
    "calculate_status",
    "rollout_status",
]

AVAILABLE = "Available"
PROGRESSING = "Progressing"
REPLICA_FAILURE = "ReplicaFailure"

NEW_RS_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
REPLICA_SET_UPDATED_REASON = "ReplicaSetUpdated"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
PAUSED_REASON = "DeploymentPaused"
RESUMED_REASON = "DeploymentResumed"
FAILED_RS_CREATE_REASON = "ReplicaSetCreateError"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"


def calculate_status(
    all_rss: Sequence[Mapping[str, Any] | None],
    new_rs: Mapping[str, Any] | None,
    deployment: Mapping[str, Any],
) -> dict[str, Any]:
    """Counts from the ReplicaSets, plus the ``Available`` condition."""
    current = deployment.get("status") or {}
    available = util.available_count(all_rss)
    unavailable = max(util.replica_count(all_rss) - available, 0)
    status: dict[str, Any] = {
        "observedGeneration": (deployment.get("metadata") or {}).get("generation"),
        "replicas": util.actual_count(all_rss),
        "updatedReplicas": util.actual_count([new_rs]),
        "readyReplicas": util.ready_count(all_rss),
        "availableReplicas": available,
        "unavailableReplicas": unavailable,
    }
    if current.get("collisionCount") is not None:
        status["collisionCount"] = current["collisionCount"]
    conditions = [dict(c) for c in current.get("conditions") or []]
    if available >= util.replicas(deployment) - util.max_unavailable(deployment):
        condition = new_condition(
            AVAILABLE, "True", MIN_AVAILABLE, "Deployment has minimum availability."
        )
    else:
        condition = new_condition(
            AVAILABLE, "False", MIN_UNAVAILABLE, "Deployment does not have minimum availability."
        )
    status["conditions"] = set_condition(conditions, condition)
    return status


def _replica_failures(
    all_rss: Sequence[Mapping[str, Any] | None], new_rs: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    def failures(rs: Mapping[str, Any]) -> list[dict[str, Any]]:
        found = []
        for c in (rs.get("status") or {}).get("conditions") or []:
            if c.get("type") == REPLICA_FAILURE:
                found.append(
                    {
                        "type": REPLICA_FAILURE,
                        "status": c.get("status"),
                        "lastUpdateTime": c.get("lastTransitionTime"),
                        "lastTransitionTime": c.get("lastTransitionTime"),
                        "reason": c.get("reason"),
                        "message": c.get("message"),
                    }
                )
        return found

    if new_rs is not None and (found := failures(new_rs)):
        return found
    return [f for rs in all_rss if rs is not None for f in failures(rs)]


def rollout_status(
    all_rss: Sequence[Mapping[str, Any] | None],
    new_rs: Mapping[str, Any] | None,
    deployment: Mapping[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """The status ``syncRolloutStatus`` writes: :func:`calculate_status` plus the
    ``Progressing`` and ``ReplicaFailure`` conditions."""
    status = calculate_status(all_rss, new_rs, deployment)
    name = (deployment.get("metadata") or {}).get("name")
    if not util.has_progress_deadline(deployment):
        status["conditions"] = remove_condition(status["conditions"], PROGRESSING)
    current = get_condition((deployment.get("status") or {}).get("conditions"), PROGRESSING)
    complete_already = (
        status["replicas"] == status["updatedReplicas"]
        and current is not None
        and current.get("reason") == NEW_RS_AVAILABLE_REASON
    )
    if util.has_progress_deadline(deployment) and not complete_already:
        subject = (
            f'ReplicaSet "{new_rs["metadata"]["name"]}"'
            if new_rs is not None
            else f'Deployment "{name}"'
        )
        if util.deployment_complete(deployment, status):
            condition = new_condition(
                PROGRESSING,
                "True",
                NEW_RS_AVAILABLE_REASON,
                f"{subject} has successfully progressed.",
            )
            status["conditions"] = set_condition(status["conditions"], condition)
        elif util.deployment_progressing(deployment, status):
            condition = new_condition(
                PROGRESSING, "True", REPLICA_SET_UPDATED_REASON, f"{subject} is progressing."
            )
            conditions = status["conditions"]
            if current is not None:
                if current.get("status") == "True" and current.get("lastTransitionTime"):
                    condition["lastTransitionTime"] = current["lastTransitionTime"]
                conditions = remove_condition(conditions, PROGRESSING)
            status["conditions"] = set_condition(conditions, condition)
        elif util.deployment_timed_out(deployment, status, now):
            condition = new_condition(
                PROGRESSING, "False", TIMED_OUT_REASON, f"{subject} has timed out progressing."
            )
            status["conditions"] = set_condition(status["conditions"], condition)
    failures = _replica_failures(all_rss, new_rs)
    if failures:
        status["conditions"] = set_condition(status["conditions"], failures[0])
    else:
        status["conditions"] = remove_condition(status["conditions"], REPLICA_FAILURE)
    return status
