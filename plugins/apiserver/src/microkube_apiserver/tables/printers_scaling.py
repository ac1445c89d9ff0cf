"""PriorityClasses and HorizontalPodAutoscalers, with the columns kube-apiserver 1.32 prints
(``pkg/printers/internalversion/printers.go``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from microkube.api import Quantity
from microkube_apiserver.registry.hpa_conversion import to_v2
from microkube_apiserver.tables.duration import since
from microkube_apiserver.tables.fmt import dig
from microkube_apiserver.tables.printer import AGE, NAME, Column, Printer

__all__ = ["HORIZONTAL_POD_AUTOSCALER", "PRIORITY_CLASS", "format_hpa_metrics"]

_SHOWN_METRICS = 2


def _priority_class_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    metadata = obj.get("metadata") or {}
    return [
        metadata.get("name") or "",
        int(obj.get("value") or 0),
        bool(obj.get("globalDefault")),
        since(metadata.get("creationTimestamp"), now),
        obj.get("preemptionPolicy") or "PreemptLowerPriority",
    ]


PRIORITY_CLASS = Printer(
    (
        NAME,
        Column(
            "Value",
            type="integer",
            description="value represents the integer value of this priority class. This is the "
            "actual priority that pods receive when they have the name of this class in their "
            "pod spec.",
        ),
        Column(
            "Global-Default",
            type="boolean",
            description="globalDefault specifies whether this PriorityClass should be considered "
            "as the default priority for pods that do not have any priority class. Only one "
            "PriorityClass can be marked as `globalDefault`. However, if more than one "
            "PriorityClasses exists with their `globalDefault` field set to true, the smallest "
            "value of such global default PriorityClasses will be used as the default priority.",
        ),
        AGE,
        Column(
            "PreemptionPolicy",
            description="preemptionPolicy is the Policy for preempting pods with lower priority. "
            "One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.",
        ),
    ),
    _priority_class_row,
)


def _quantity(value: Any) -> str:
    if value is None:
        return "0"
    try:
        return str(Quantity(value))
    except (TypeError, ValueError):
        return str(value)


def _current(statuses: Sequence[Mapping[str, Any]], index: int, key: str) -> Mapping[str, Any]:
    """``statuses[index].<key>.current`` when the status at that index has that source."""
    if index < len(statuses) and isinstance(statuses[index].get(key), dict):
        return statuses[index][key].get("current") or {}
    return {}


def _has(statuses: Sequence[Mapping[str, Any]], index: int, key: str) -> bool:
    return index < len(statuses) and isinstance(statuses[index].get(key), dict)


def _metric(spec: Mapping[str, Any], statuses: Sequence[Mapping[str, Any]], i: int) -> str:
    kind = spec.get("type")
    if kind in ("External", "Object"):
        key = "external" if kind == "External" else "object"
        target = dig(spec, key, "target") or {}
        current = _current(statuses, i, key)
        if target.get("averageValue") is not None:
            shown = "<unknown>"
            if current.get("averageValue") is not None:
                shown = _quantity(current["averageValue"])
            return f"{shown}/{_quantity(target['averageValue'])} (avg)"
        shown = _quantity(current.get("value")) if _has(statuses, i, key) else "<unknown>"
        return f"{shown}/{_quantity(target.get('value'))}"
    if kind == "Pods":
        target = dig(spec, "pods", "target") or {}
        current = _current(statuses, i, "pods")
        shown = _quantity(current.get("averageValue")) if _has(statuses, i, "pods") else "<unknown>"
        return f"{shown}/{_quantity(target.get('averageValue'))}"
    if kind in ("Resource", "ContainerResource"):
        key = "resource" if kind == "Resource" else "containerResource"
        source = spec.get(key) or {}
        target = source.get("target") or {}
        name = source.get("name") or ""
        current = _current(statuses, i, key)
        if target.get("averageValue") is not None:
            shown = (
                _quantity(current.get("averageValue")) if _has(statuses, i, key) else "<unknown>"
            )
            return f"{name}: {shown}/{_quantity(target['averageValue'])}"
        shown = "<unknown>"
        if current.get("averageUtilization") is not None:
            shown = f"{current['averageUtilization']}%"
        wanted = "<auto>"
        if target.get("averageUtilization") is not None:
            wanted = f"{target['averageUtilization']}%"
        return f"{name}: {shown}/{wanted}"
    return "<unknown type>"


def format_hpa_metrics(
    specs: Sequence[Mapping[str, Any]] | None, statuses: Sequence[Mapping[str, Any]] | None
) -> str:
    """``formatHPAMetrics``: ``cpu: 40%/50%``, two metrics at most, then ``+ N more...``."""
    if not specs:
        return "<none>"
    shown = [_metric(spec, statuses or [], i) for i, spec in enumerate(specs)]
    if len(shown) > _SHOWN_METRICS:
        return f"{', '.join(shown[:_SHOWN_METRICS])} + {len(shown) - _SHOWN_METRICS} more..."
    return ", ".join(shown)


def _hpa_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    if obj.get("apiVersion") == "autoscaling/v1":
        obj = to_v2(dict(obj))
    metadata = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    minimum = spec.get("minReplicas")
    return [
        metadata.get("name") or "",
        f"{ref.get('kind') or ''}/{ref.get('name') or ''}",
        format_hpa_metrics(spec.get("metrics"), status.get("currentMetrics")),
        "<unset>" if minimum is None else str(minimum),
        int(spec.get("maxReplicas") or 0),
        int(status.get("currentReplicas") or 0),
        since(metadata.get("creationTimestamp"), now),
    ]


HORIZONTAL_POD_AUTOSCALER = Printer(
    (
        NAME,
        Column(
            "Reference",
            description="reference to scaled resource; horizontal pod autoscaler will learn the "
            "current resource consumption and will set the desired number of pods by using its "
            "Scale subresource.",
        ),
        Column(
            "Targets",
            description="metrics contains the specifications for which to use to calculate the "
            "desired replica count (the maximum replica count across all metrics will be used).  "
            "The desired replica count is calculated multiplying the ratio between the target "
            "value and the current value by the current number of pods.  Ergo, metrics used must "
            "decrease as the pod count is increased, and vice-versa.  See the individual metric "
            "source types for more information about how each type of metric must respond.",
        ),
        Column(
            "MinPods",
            description="minReplicas is the lower limit for the number of replicas to which the "
            "autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if "
            "the alpha feature gate HPAScaleToZero is enabled and at least one Object or External "
            "metric is configured.  Scaling is active as long as at least one metric value is "
            "available.",
        ),
        Column(
            "MaxPods",
            description="maxReplicas is the upper limit for the number of replicas to which the "
            "autoscaler can scale up. It cannot be less that minReplicas.",
        ),
        Column(
            "Replicas",
            description="currentReplicas is current number of replicas of pods managed by this "
            "autoscaler, as last seen by the autoscaler.",
        ),
        AGE,
    ),
    _hpa_row,
)
