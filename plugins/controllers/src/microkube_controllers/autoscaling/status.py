"""Conditions of an HPA's status (``AbleToScale``, ``ScalingActive``, ``ScalingLimited``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from microkube_controllers.common.timeutil import format_time

__all__ = ["set_condition"]


def set_condition(
    status: dict[str, Any], type_: str, value: str, reason: str, message: str, now: datetime
) -> None:
    """Set one condition; ``lastTransitionTime`` moves only when the status changes
    (upstream ``setConditionInList``)."""
    conditions = status.setdefault("conditions", [])
    for condition in conditions:
        if condition.get("type") == type_:
            if condition.get("status") != value:
                condition["lastTransitionTime"] = format_time(now)
            condition.update(status=value, reason=reason, message=message)
            return
    conditions.append(
        {
            "type": type_,
            "status": value,
            "lastTransitionTime": format_time(now),
            "reason": reason,
            "message": message,
        }
    )
