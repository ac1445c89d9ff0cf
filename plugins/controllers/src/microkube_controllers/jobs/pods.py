"""What the Job controller reads from its pods: phase, readiness, termination, finish time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from microkube_controllers.common.timeutil import parse_time

__all__ = [
    "TRACKING_FINALIZER",
    "finish_time",
    "has_tracking_finalizer",
    "is_active",
    "is_failed",
    "is_ready",
    "is_succeeded",
    "is_terminating",
]

#: pods carry it until the Job controller has counted them (upstream's finalizer tracking)
TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"

Pod = Mapping[str, Any]


def _phase(pod: Pod) -> str:
    return (pod.get("status") or {}).get("phase") or ""


def _deleting(pod: Pod) -> bool:
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def is_succeeded(pod: Pod) -> bool:
    return _phase(pod) == "Succeeded"


def is_failed(pod: Pod, *, only_replace_failed: bool = False) -> bool:
    """As upstream's ``isPodFailed``: the Failed phase, or deleted before succeeding (an
    orphan or evicted pod may never reach Failed) unless ``podReplacementPolicy: Failed``."""
    if _phase(pod) == "Failed":
        return True
    if only_replace_failed:
        return False
    return _deleting(pod) and _phase(pod) != "Succeeded"


def is_terminal(pod: Pod) -> bool:
    return _phase(pod) in ("Succeeded", "Failed")


def is_active(pod: Pod) -> bool:
    """Running or about to (upstream's ``FilterActivePods``): not finished, not deleting."""
    return not is_terminal(pod) and not _deleting(pod)


def is_terminating(pod: Pod) -> bool:
    return not is_terminal(pod) and _deleting(pod)


def is_ready(pod: Pod) -> bool:
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def has_tracking_finalizer(pod: Pod) -> bool:
    return TRACKING_FINALIZER in ((pod.get("metadata") or {}).get("finalizers") or ())


def finish_time(pod: Pod, now: datetime) -> datetime:
    """When the pod finished: its last container's ``finishedAt``, else its deletion, else
    ``now`` (upstream's ``getFinishedTime``)."""
    latest: datetime | None = None
    for status in (pod.get("status") or {}).get("containerStatuses") or ():
        terminated = (status.get("state") or {}).get("terminated") or {}
        moment = parse_time(terminated.get("finishedAt"))
        if moment is not None and (latest is None or moment > latest):
            latest = moment
    if latest is not None:
        return latest
    return parse_time((pod.get("metadata") or {}).get("deletionTimestamp")) or now
