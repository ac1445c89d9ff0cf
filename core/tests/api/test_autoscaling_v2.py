"""autoscaling/v2 HorizontalPodAutoscaler (and the v1 one beside Scale)."""

from __future__ import annotations

import copy

from microkube.api import Quantity, autoscaling_v1, autoscaling_v2, from_dict, kind_for, to_dict

HPA = {
    "apiVersion": "autoscaling/v2",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": 1,
        "maxReplicas": 5,
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 50},
                },
            },
            {
                "type": "Object",
                "object": {
                    "describedObject": {"kind": "Ingress", "name": "main"},
                    "metric": {"name": "rps", "selector": {"matchLabels": {"a": "b"}}},
                    "target": {"type": "Value", "value": "2k"},
                },
            },
        ],
        "behavior": {
            "scaleDown": {
                "stabilizationWindowSeconds": 300,
                "selectPolicy": "Max",
                "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
            }
        },
    },
    "status": {
        "currentReplicas": 2,
        "desiredReplicas": 3,
        "lastScaleTime": "2024-11-20T09:00:00Z",
        "currentMetrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "current": {"averageUtilization": 75, "averageValue": "150m"},
                },
            }
        ],
        "conditions": [
            {
                "type": "AbleToScale",
                "status": "True",
                "lastTransitionTime": "2024-11-20T09:00:00Z",
                "reason": "SucceededRescale",
                "message": "the HPA controller was able to update the target scale to 3",
            }
        ],
    },
}


def test_hpa_v2_round_trips_with_typed_quantities() -> None:
    hpa = from_dict(copy.deepcopy(HPA))
    assert isinstance(hpa, autoscaling_v2.HorizontalPodAutoscaler)
    assert kind_for("autoscaling/v2", "HorizontalPodAutoscaler") is type(hpa)
    assert hpa.spec.metrics[1].object.target.value == Quantity("2k")
    assert hpa.status.current_metrics[0].resource.current.average_utilization == 75
    assert to_dict(hpa) == HPA


def test_hpa_v1_round_trips() -> None:
    v1 = {
        "apiVersion": "autoscaling/v1",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "web"},
            "maxReplicas": 3,
            "targetCPUUtilizationPercentage": 80,
        },
        "status": {"currentReplicas": 0, "desiredReplicas": 0},
    }
    hpa = from_dict(copy.deepcopy(v1))
    assert isinstance(hpa, autoscaling_v1.HorizontalPodAutoscaler)
    assert hpa.spec.target_cpu_utilization_percentage == 80
    assert to_dict(hpa) == v1
