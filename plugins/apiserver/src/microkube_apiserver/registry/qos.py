"""A pod's QoS class (``status.qosClass``), computed from its containers' resources."""

from __future__ import annotations

from typing import Any

__all__ = ["qos_class"]

_TRACKED = ("cpu", "memory")


def qos_class(spec: dict[str, Any]) -> str:
    """``Guaranteed`` when every container limits cpu and memory with requests equal to the
    limits, ``BestEffort`` when none requests or limits either, ``Burstable`` otherwise."""
    containers = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    any_set = False
    guaranteed = bool(containers)
    for container in containers:
        resources = container.get("resources") or {}
        requests = {k: v for k, v in (resources.get("requests") or {}).items() if k in _TRACKED}
        limits = {k: v for k, v in (resources.get("limits") or {}).items() if k in _TRACKED}
        if requests or limits:
            any_set = True
        if set(limits) != set(_TRACKED) or any(
            str(requests.get(k, limits[k])) != str(limits[k]) for k in _TRACKED
        ):
            guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"
