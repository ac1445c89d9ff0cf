"""autoscaling/v1 <-> autoscaling/v2 HorizontalPodAutoscalers, as Kubernetes converts them
(``pkg/apis/autoscaling/v1/conversion.go``).

v1 has one metric, ``targetCPUUtilizationPercentage``; everything else v2 holds travels in
v1 annotations, so a v2 object read and written back as v1 loses nothing: other metrics
(``autoscaling.alpha.kubernetes.io/metrics``), the behavior
(``autoscaling.alpha.kubernetes.io/behavior``), the observed metrics
(``.../current-metrics``) and the conditions (``.../conditions``), as JSON.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from microkube_apiserver import errors
from microkube_apiserver.admission.defaults.scaling import default_horizontal_pod_autoscaler

__all__ = ["to_v1", "to_v2", "to_v2_defaulted"]

METRICS = "autoscaling.alpha.kubernetes.io/metrics"
BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior"
CURRENT_METRICS = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"
_ANNOTATIONS = (METRICS, BEHAVIOR, CURRENT_METRICS, CONDITIONS)


def _is_cpu_utilization(metric: dict[str, Any], current: bool = False) -> bool:
    resource = metric.get("resource") or {}
    value = resource.get("current" if current else "target") or {}
    return (
        metric.get("type") == "Resource"
        and resource.get("name") == "cpu"
        and value.get("averageUtilization") is not None
        and (current or value.get("type") == "Utilization")
    )


def _annotation(annotations: dict[str, str], key: str) -> Any:
    text = annotations.pop(key, None)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise errors.bad_request(f"annotation {key} is not valid JSON") from None


def to_v2(obj: dict[str, Any]) -> dict[str, Any]:
    """A v1 HorizontalPodAutoscaler (Kubernetes JSON) as v2."""
    result = copy.deepcopy(obj)
    result["apiVersion"] = "autoscaling/v2"
    metadata = result.setdefault("metadata", {})
    annotations = dict(metadata.get("annotations") or {})
    spec = result.get("spec")
    if isinstance(spec, dict):
        metrics = list(_annotation(annotations, METRICS) or [])
        cpu = spec.pop("targetCPUUtilizationPercentage", None)
        if cpu is not None:
            target = {"type": "Utilization", "averageUtilization": cpu}
            metrics.insert(0, {"type": "Resource", "resource": {"name": "cpu", "target": target}})
        if metrics:
            spec["metrics"] = metrics
        behavior = _annotation(annotations, BEHAVIOR)
        if behavior is not None:
            spec["behavior"] = behavior
    status = result.get("status")
    if isinstance(status, dict):
        current = list(_annotation(annotations, CURRENT_METRICS) or [])
        cpu = status.pop("currentCPUUtilizationPercentage", None)
        if cpu is not None:
            value = {"averageUtilization": cpu}
            current.insert(0, {"type": "Resource", "resource": {"name": "cpu", "current": value}})
        if current:
            status["currentMetrics"] = current
        conditions = _annotation(annotations, CONDITIONS)
        if conditions is not None:
            status["conditions"] = conditions
    for key in _ANNOTATIONS:
        annotations.pop(key, None)
    if annotations:
        metadata["annotations"] = annotations
    else:
        metadata.pop("annotations", None)
    return result


def to_v1(obj: dict[str, Any]) -> dict[str, Any]:
    """A v2 HorizontalPodAutoscaler as v1 (what v1 cannot hold goes into annotations)."""
    result = copy.deepcopy(obj)
    result["apiVersion"] = "autoscaling/v1"
    metadata = result.setdefault("metadata", {})
    annotations = dict(metadata.get("annotations") or {})
    spec = result.get("spec")
    if isinstance(spec, dict):
        others = []
        for metric in spec.pop("metrics", None) or []:
            if _is_cpu_utilization(metric) and "targetCPUUtilizationPercentage" not in spec:
                spec["targetCPUUtilizationPercentage"] = metric["resource"]["target"][
                    "averageUtilization"
                ]
            else:
                others.append(metric)
        if others:
            annotations[METRICS] = json.dumps(others, separators=(",", ":"))
        behavior = spec.pop("behavior", None)
        if behavior is not None:
            annotations[BEHAVIOR] = json.dumps(behavior, separators=(",", ":"))
    status = result.get("status")
    if isinstance(status, dict):
        others = []
        for metric in status.pop("currentMetrics", None) or []:
            if _is_cpu_utilization(metric, current=True) and (
                "currentCPUUtilizationPercentage" not in status
            ):
                status["currentCPUUtilizationPercentage"] = metric["resource"]["current"][
                    "averageUtilization"
                ]
            else:
                others.append(metric)
        if others:
            annotations[CURRENT_METRICS] = json.dumps(others, separators=(",", ":"))
        conditions = status.pop("conditions", None)
        if conditions:
            annotations[CONDITIONS] = json.dumps(conditions, separators=(",", ":"))
        status.setdefault("currentReplicas", 0)
        status.setdefault("desiredReplicas", 0)
    if annotations:
        metadata["annotations"] = annotations
    return result


def to_v2_defaulted(obj: dict[str, Any]) -> dict[str, Any]:
    """A v1 object as stored: v2 with v2's defaults, which Kubernetes applies when it reads
    the stored object as v2 (so every v2 reader sees them)."""
    result = to_v2(obj)
    if isinstance(result.get("spec"), dict):
        default_horizontal_pod_autoscaler(result)
    return result
