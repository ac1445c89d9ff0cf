"""An Indexed Job's ``successPolicy``: succeed before every index has (upstream
``matchSuccessPolicy``). A rule holds when the completed indexes among its
``succeededIndexes`` (all indexes if unset) number at least ``succeededCount`` (all of them if
unset); the first rule holding decides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microkube_controllers.jobs.indexes import parse_indexes

__all__ = ["match_success_policy"]


def match_success_policy(
    policy: Mapping[str, Any] | None, completions: int, completed: set[int]
) -> str | None:
    """``Matched rules at index <i>`` for the first rule met, else None."""
    if not completed:
        return None
    for index, rule in enumerate((policy or {}).get("rules") or ()):
        wanted = rule.get("succeededIndexes")
        count = rule.get("succeededCount")
        if wanted is not None:
            scope = parse_indexes(wanted, completions)
            if not scope:
                continue  # nothing parseable in range: the rule cannot hold
            done = len(scope & completed)
            met = done >= int(count) if count is not None else scope <= completed
        elif count is not None:
            met = len(completed) >= int(count)
        else:
            continue
        if met:
            return f"Matched rules at index {index}"
    return None
