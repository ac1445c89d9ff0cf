"""The RollingUpdate strategy of DaemonSets (upstream ``rollingUpdate`` in ``update.go``).

Without surge, old pods are deleted (and re-created up to date by the next sync) while at
most ``maxUnavailable`` nodes lack an available daemon pod; unavailable old pods are replaced
at once. With ``maxSurge``, an up-to-date pod is first started beside the old one on up to
``maxSurge`` nodes, and the old one goes once the new one is available.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from microkube_controllers.common.pods import is_pod_available
from microkube_controllers.daemonset.node_pods import updated_and_old

__all__ = ["RollingPlan", "plan_rolling_update", "scaled_value"]

Pod = Mapping[str, Any]


@attrs.frozen
class RollingPlan:
    delete: list[Pod]
    create_on: list[str]


def scaled_value(value: int | str | None, total: int, *, round_up: bool) -> int:
    """An int-or-percent against ``total`` (``intstr.GetScaledValueFromIntOrPercent``)."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.endswith("%"):
        try:
            percent = int(text[:-1])
        except ValueError as exc:
            raise ValueError(f"invalid value for IntOrString: invalid value {text!r}") from exc
        scaled = percent * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    try:
        return int(text)
    except ValueError as exc:
        raise ValueError(
            "invalid value for IntOrString: invalid type: string is not a percentage"
        ) from exc


def surge_and_unavailable(rolling: Mapping[str, Any], desired: int) -> tuple[int, int]:
    """``(maxSurge, maxUnavailable)`` in pods; both zero means one unavailable."""
    surge = scaled_value(rolling.get("maxSurge"), desired, round_up=True)
    unavailable = scaled_value(rolling.get("maxUnavailable"), desired, round_up=True)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def plan_rolling_update(
    node_pods: Mapping[str, Sequence[Pod]],
    *,
    revision_hash: str,
    max_surge: int,
    max_unavailable: int,
    min_ready_seconds: int,
    now: datetime,
) -> RollingPlan:
    """Old pods to delete and nodes to surge onto; ``node_pods`` holds only the nodes that
    should run the daemon."""

    def available(pod: Pod | None) -> bool:
        return pod is not None and is_pod_available(pod, min_ready_seconds, now)

    if max_surge == 0:
        unavailable = 0
        replace: list[Pod] = []
        candidates: list[Pod] = []
        for node in sorted(node_pods):
            new, old, single = updated_and_old(node_pods[node], revision_hash)
            if not single or (new is None) == (old is None):
                unavailable += 1  # manage() creates or cleans up here first
            elif new is not None:
                if not available(new):
                    unavailable += 1
            elif old is not None and not available(old):
                replace.append(old)
            elif unavailable < max_unavailable and old is not None:
                candidates.append(old)
        room = min(max(max_unavailable - unavailable, 0), len(candidates))
        return RollingPlan(replace + candidates[:room], [])
    surging = 0
    old_to_delete: list[Pod] = []
    allowed: list[str] = []
    candidate_nodes: list[str] = []
    for node in sorted(node_pods):
        new, old, single = updated_and_old(node_pods[node], revision_hash)
        if not single:
            surging += 1
            continue
        if old is None:
            continue  # nothing old here: manage() handles the node
        if new is None:
            if not available(old):
                allowed.append(node)
            elif surging < max_surge:
                candidate_nodes.append(node)
            continue
        if not available(new):
            surging += 1  # waiting for the surge pod to become available
            continue
        old_to_delete.append(old)
    room = min(max(max_surge - surging, 0), len(candidate_nodes))
    return RollingPlan(old_to_delete, allowed + candidate_nodes[:room])
