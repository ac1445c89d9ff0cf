"""Node taints the node lifecycle controller manages, and tolerations (pure functions).

As upstream: a node whose Ready condition is ``False`` gets ``node.kubernetes.io/not-ready``,
one whose Ready is ``Unknown`` gets ``node.kubernetes.io/unreachable`` — as ``NoExecute``
taints (which evict pods) and ``NoSchedule`` taints (which only keep new pods away), with the
NoSchedule variants of the pressure conditions and ``spec.unschedulable`` beside them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
NO_SCHEDULE = "NoSchedule"
NO_EXECUTE = "NoExecute"

#: condition type -> {condition status -> taint key} of the NoSchedule taints
CONDITION_TAINTS = {
    "Ready": {"False": NOT_READY, "Unknown": UNREACHABLE},
    "MemoryPressure": {"True": "node.kubernetes.io/memory-pressure"},
    "DiskPressure": {"True": "node.kubernetes.io/disk-pressure"},
    "NetworkUnavailable": {"True": "node.kubernetes.io/network-unavailable"},
    "PIDPressure": {"True": "node.kubernetes.io/pid-pressure"},
}
NO_SCHEDULE_KEYS = {key for by_status in CONDITION_TAINTS.values() for key in by_status.values()}
NO_SCHEDULE_KEYS.add(UNSCHEDULABLE)

Obj = Mapping[str, Any]


def node_taints(node: Obj) -> list[dict[str, Any]]:
    return list((node.get("spec") or {}).get("taints") or ())


def condition(node: Obj, kind: str) -> dict[str, Any] | None:
    for entry in (node.get("status") or {}).get("conditions") or ():
        if entry.get("type") == kind:
            return entry
    return None


def ready_status(node: Obj) -> str:
    """``True``, ``False`` or ``Unknown`` (a node without a Ready condition is Unknown)."""
    ready = condition(node, "Ready")
    return (ready or {}).get("status") or "Unknown"


def wanted_no_schedule(node: Obj) -> list[dict[str, str]]:
    """The NoSchedule taints the node's conditions and ``spec.unschedulable`` call for."""
    wanted = []
    for entry in (node.get("status") or {}).get("conditions") or ():
        key = CONDITION_TAINTS.get(entry.get("type"), {}).get(entry.get("status"))
        if key:
            wanted.append({"key": key, "effect": NO_SCHEDULE})
    if (node.get("spec") or {}).get("unschedulable"):
        wanted.append({"key": UNSCHEDULABLE, "effect": NO_SCHEDULE})
    return wanted


def with_no_schedule(node: Obj) -> list[dict[str, Any]] | None:
    """The node's taints with its managed NoSchedule ones set right (None: no change)."""
    taints = node_taints(node)
    wanted = wanted_no_schedule(node)
    wanted_keys = {t["key"] for t in wanted}
    kept = [
        t
        for t in taints
        if not (t.get("effect") == NO_SCHEDULE and t.get("key") in NO_SCHEDULE_KEYS)
        or t.get("key") in wanted_keys
    ]
    present = {t.get("key") for t in kept if t.get("effect") == NO_SCHEDULE}
    added = [t for t in wanted if t["key"] not in present]
    if not added and len(kept) == len(taints):
        return None
    return kept + added


def no_execute_key(node: Obj) -> str | None:
    """The NoExecute taint key the node's readiness calls for (None when Ready)."""
    return {"False": NOT_READY, "Unknown": UNREACHABLE}.get(ready_status(node))


def has_taint(node: Obj, key: str, effect: str) -> bool:
    return any(t.get("key") == key and t.get("effect") == effect for t in node_taints(node))


def with_no_execute(node: Obj, key: str | None, now: str) -> list[dict[str, Any]] | None:
    """The node's taints with exactly the managed NoExecute taint ``key`` (None: none of
    them); None when nothing changes. A taint kept keeps its ``timeAdded``."""
    taints = node_taints(node)
    managed = (NOT_READY, UNREACHABLE)
    kept = [
        t
        for t in taints
        if not (t.get("effect") == NO_EXECUTE and t.get("key") in managed and t.get("key") != key)
    ]
    if key is not None and not has_taint(node, key, NO_EXECUTE):
        kept.append({"key": key, "effect": NO_EXECUTE, "timeAdded": now})
    return None if kept == taints else kept


def tolerates(toleration: Obj, taint: Obj) -> bool:
    """Upstream ``Toleration.ToleratesTaint``."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def toleration_seconds(
    tolerations: Sequence[Obj], taints: Sequence[Obj]
) -> tuple[bool, float | None]:
    """``(all tolerated, seconds)`` for a pod's tolerations against NoExecute taints: the
    shortest ``tolerationSeconds`` among the tolerations used (None: forever; negative
    counts as 0), as upstream's ``getMinTolerationTime``."""
    shortest: float | None = None
    for taint in taints:
        used = [t for t in tolerations if tolerates(t, taint)]
        if not used:
            return False, 0.0
        for toleration in used:
            seconds = toleration.get("tolerationSeconds")
            if seconds is None:
                continue
            seconds = max(float(seconds), 0.0)
            shortest = seconds if shortest is None else min(shortest, seconds)
    return True, shortest
