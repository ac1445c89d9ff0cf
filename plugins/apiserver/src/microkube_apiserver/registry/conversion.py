"""Kinds served through two APIs and stored once.

Kubernetes keeps one stored form per kind and converts at the edge: an Event created through
``events.k8s.io/v1`` is stored as a core/v1 Event, so ``kubectl get events`` (core) and
``kubectl events`` / an events.k8s.io watcher see the same objects. A :class:`Conversion`
says which collection holds the objects and how to turn the served form into the stored one
and back; resources without one are stored as served.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from microkube_apiserver.discovery import Resource
from microkube_apiserver.registry.hpa_conversion import to_v1, to_v2_defaulted

__all__ = ["Conversion", "conversion_for"]

Obj = dict[str, Any]


@attrs.frozen
class Conversion:
    """``storage_group``/``storage_plural``: the collection the objects live in."""

    storage_group: str
    storage_plural: str
    to_storage: Callable[[Obj], Obj]
    from_storage: Callable[[Obj], Obj]


#: events.k8s.io/v1 field -> core/v1 field (every other field has the same name in both)
_EVENT_FIELDS = {
    "regarding": "involvedObject",
    "note": "message",
    "reportingController": "reportingComponent",
    "deprecatedSource": "source",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
}
_CORE_FIELDS = {core: v1 for v1, core in _EVENT_FIELDS.items()}


def _renamed(obj: Obj, names: dict[str, str], api_version: str) -> Obj:
    out: Obj = {}
    for key, value in obj.items():
        if key == "apiVersion":
            out[key] = api_version
        else:
            out[names.get(key, key)] = value
    out.setdefault("apiVersion", api_version)
    return out


def _event_to_core(obj: Obj) -> Obj:
    return _renamed(obj, _EVENT_FIELDS, "v1")


def _core_to_event(obj: Obj) -> Obj:
    return _renamed(obj, _CORE_FIELDS, "events.k8s.io/v1")


_CONVERSIONS = {
    ("events.k8s.io", "events"): Conversion("", "events", _event_to_core, _core_to_event),
}


#: Conversions of one version of a resource (its other versions are stored as served):
#: autoscaling/v1 HorizontalPodAutoscalers are stored as autoscaling/v2 ones.
_VERSIONED = {
    ("autoscaling", "v1", "horizontalpodautoscalers"): Conversion(
        "autoscaling", "horizontalpodautoscalers", to_v2_defaulted, to_v1
    ),
}


def conversion_for(resource: Resource) -> Conversion | None:
    versioned = _VERSIONED.get((resource.group, resource.version, resource.plural))
    if versioned is not None:
        return versioned
    return _CONVERSIONS.get((resource.group, resource.plural))
