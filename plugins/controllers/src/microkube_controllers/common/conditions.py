"""Status conditions of workload objects (``status.conditions`` lists keyed by ``type``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from microkube_controllers.common.timeutil import format_time

__all__ = ["get_condition", "new_condition", "remove_condition", "set_condition"]


def new_condition(type_: str, status: str, reason: str, message: str) -> dict[str, Any]:
    now = format_time()
    return {
        "type": type_,
        "status": status,
        "lastUpdateTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def get_condition(
    conditions: Sequence[Mapping[str, Any]] | None, type_: str
) -> dict[str, Any] | None:
    for condition in conditions or []:
        if condition.get("type") == type_:
            return dict(condition)
    return None


def set_condition(
    conditions: Sequence[Mapping[str, Any]] | None, condition: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """``conditions`` with ``condition`` in place of the one of its type. The same status and
    reason keep the current entry unchanged; the same status keeps its ``lastTransitionTime``
    (upstream's ``SetDeploymentCondition``)."""
    current = get_condition(conditions, condition["type"])
    if current is not None and (
        current.get("status") == condition.get("status")
        and current.get("reason") == condition.get("reason")
    ):
        return [dict(c) for c in conditions or []]
    new = dict(condition)
    same_status = current is not None and current.get("status") == new.get("status")
    if same_status and current.get("lastTransitionTime"):
        new["lastTransitionTime"] = current["lastTransitionTime"]
    kept = [dict(c) for c in conditions or [] if c.get("type") != new["type"]]
    return [*kept, new]


def remove_condition(
    conditions: Sequence[Mapping[str, Any]] | None, type_: str
) -> list[dict[str, Any]]:
    return [dict(c) for c in conditions or [] if c.get("type") != type_]
