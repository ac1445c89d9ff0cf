"""Defaults of the scaling kinds: ``scheduling.k8s.io/v1`` PriorityClass and
``autoscaling/v2`` HorizontalPodAutoscaler (k8s.io/kubernetes ``pkg/apis/*/v*/defaults.go``)."""

from __future__ import annotations

import copy
from typing import Any

__all__ = [
    "DEFAULT_CPU_UTILIZATION",
    "default_horizontal_pod_autoscaler",
    "default_priority_class",
    "scale_down_rules",
    "scale_up_rules",
]

#: The target of an HPA that names no metric: 80% average CPU utilization.
DEFAULT_CPU_UTILIZATION = 80

_SCALE_UP = {
    "stabilizationWindowSeconds": 0,
    "selectPolicy": "Max",
    "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ],
}
_SCALE_DOWN = {
    "stabilizationWindowSeconds": 300,
    "selectPolicy": "Max",
    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
}


def default_priority_class(obj: dict[str, Any]) -> None:
    """``SetDefaults_PriorityClass``: PreemptLowerPriority; ``value`` is an int32 (0 if unset)."""
    obj.setdefault("preemptionPolicy", "PreemptLowerPriority")
    obj.setdefault("value", 0)


def _rules(given: dict[str, Any] | None, defaults: dict[str, Any]) -> dict[str, Any]:
    """``copyHPAScalingRules``: the fields given, the defaults for the others."""
    rules = copy.deepcopy(defaults)
    for key, value in (given or {}).items():
        if value is not None:
            rules[key] = value
    return rules


def scale_up_rules(given: dict[str, Any] | None) -> dict[str, Any]:
    return _rules(given, _SCALE_UP)


def scale_down_rules(given: dict[str, Any] | None) -> dict[str, Any]:
    return _rules(given, _SCALE_DOWN)


def default_horizontal_pod_autoscaler(obj: dict[str, Any]) -> None:
    """``SetDefaults_HorizontalPodAutoscaler`` of autoscaling/v2: one replica at least, 80%
    CPU when no metric is named, and, when a behavior is given, its unset rules filled in.
    An autoscaling/v1 object gets v1's only default (``minReplicas``); the others are
    applied when it is converted to the stored v2 form."""
    spec = obj.setdefault("spec", {})
    if obj.get("apiVersion") == "autoscaling/v1":
        if spec.get("minReplicas") is None:
            spec["minReplicas"] = 1
        return
    if spec.get("minReplicas") is None:
        spec["minReplicas"] = 1
    if not spec.get("metrics"):
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {
                        "type": "Utilization",
                        "averageUtilization": DEFAULT_CPU_UTILIZATION,
                    },
                },
            }
        ]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):
        behavior["scaleUp"] = scale_up_rules(behavior.get("scaleUp"))
        behavior["scaleDown"] = scale_down_rules(behavior.get("scaleDown"))
    # Not a default upstream but how Go writes the status: desiredReplicas has no omitempty, so
    # every reader (the Python client requires it) finds it, 0 before the controller's first
    # write.
    status = obj.get("status")
    if not isinstance(status, dict):
        status = obj["status"] = {}
    status.setdefault("desiredReplicas", 0)
