"""Conditions of a Job's status (``Complete``, ``Failed``, their interim ``SuccessCriteriaMet``
and ``FailureTarget``, ``Suspended``), set as upstream's ``ensureJobConditionStatus``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from microkube_controllers.common.timeutil import format_time

__all__ = [
    "COMPLETE",
    "FAILED",
    "FAILURE_TARGET",
    "SUCCESS_CRITERIA_MET",
    "SUSPENDED",
    "find_condition",
    "is_finished",
    "set_condition",
]

COMPLETE = "Complete"
FAILED = "Failed"
FAILURE_TARGET = "FailureTarget"
SUCCESS_CRITERIA_MET = "SuccessCriteriaMet"
SUSPENDED = "Suspended"


def find_condition(status: Mapping[str, Any], type_: str) -> dict[str, Any] | None:
    for condition in status.get("conditions") or ():
        if condition.get("type") == type_:
            return condition
    return None


def is_true(status: Mapping[str, Any], type_: str) -> bool:
    condition = find_condition(status, type_)
    return condition is not None and condition.get("status") == "True"


def is_finished(job: Mapping[str, Any]) -> bool:
    """The Job has its terminal condition (``Complete`` or ``Failed`` is True)."""
    status = job.get("status") or {}
    return is_true(status, COMPLETE) or is_true(status, FAILED)


def set_condition(
    status: dict[str, Any],
    type_: str,
    value: str,
    reason: str,
    message: str,
    now: datetime,
) -> bool:
    """Add or update one condition; the transition time moves only when its status changes.
    True if anything changed."""
    stamp = format_time(now)
    conditions = status.setdefault("conditions", [])
    for condition in conditions:
        if condition.get("type") != type_:
            continue
        if (condition.get("status"), condition.get("reason"), condition.get("message")) == (
            value,
            reason,
            message,
        ):
            return False
        if condition.get("status") != value:
            condition["lastTransitionTime"] = stamp
        condition.update(status=value, reason=reason, message=message, lastProbeTime=stamp)
        return True
    conditions.append(
        {
            "type": type_,
            "status": value,
            "lastProbeTime": stamp,
            "lastTransitionTime": stamp,
            "reason": reason,
            "message": message,
        }
    )
    return True
