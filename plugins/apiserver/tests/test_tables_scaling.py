"""HorizontalPodAutoscaler and PriorityClass rows, as kube-apiserver 1.32 prints them."""

from __future__ import annotations

from datetime import UTC, datetime

from microkube_apiserver.tables.printers_scaling import (
    HORIZONTAL_POD_AUTOSCALER,
    PRIORITY_CLASS,
    format_hpa_metrics,
)

NOW = datetime(2024, 11, 20, 9, 10, tzinfo=UTC)


def cpu(target: int | None = None, value: str | None = None) -> dict:
    wanted = {"type": "Utilization", "averageUtilization": target} if target else {}
    if value:
        wanted = {"type": "AverageValue", "averageValue": value}
    return {"type": "Resource", "resource": {"name": "cpu", "target": wanted}}


def test_targets_column():
    assert format_hpa_metrics([], []) == "<none>"
    assert format_hpa_metrics([cpu(50)], []) == "cpu: <unknown>/50%"
    current = [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 40}}}
    ]
    assert format_hpa_metrics([cpu(50)], current) == "cpu: 40%/50%"
    assert format_hpa_metrics([cpu(value="500m")], []) == "cpu: <unknown>/500m"
    pods = {"type": "Pods", "pods": {"metric": {"name": "q"}, "target": {"averageValue": "1k"}}}
    external = {
        "type": "External",
        "external": {"metric": {"name": "queue"}, "target": {"type": "Value", "value": "30"}},
    }
    assert format_hpa_metrics([cpu(50), pods, external], []) == (
        "cpu: <unknown>/50%, <unknown>/1k + 1 more..."
    )
    assert format_hpa_metrics([external], []) == "<unknown>/30"


def test_hpa_row_of_v2_and_v1_objects():
    v2 = {
        "apiVersion": "autoscaling/v2",
        "metadata": {"name": "web", "creationTimestamp": "2024-11-20T09:00:00Z"},
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "web"},
            "minReplicas": 1,
            "maxReplicas": 5,
            "metrics": [cpu(50)],
        },
        "status": {"currentReplicas": 2},
    }
    row = ["web", "Deployment/web", "cpu: <unknown>/50%", "1", 5, 2, "10m"]
    assert HORIZONTAL_POD_AUTOSCALER.row(v2, NOW) == row
    v1 = {
        "apiVersion": "autoscaling/v1",
        "metadata": v2["metadata"],
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "web"},
            "maxReplicas": 5,
            "targetCPUUtilizationPercentage": 50,
        },
    }
    assert HORIZONTAL_POD_AUTOSCALER.row(v1, NOW) == [
        "web",
        "Deployment/web",
        "cpu: <unknown>/50%",
        "<unset>",
        5,
        0,
        "10m",
    ]
    names = [c.name for c in HORIZONTAL_POD_AUTOSCALER.columns]
    assert names == ["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"]


def test_priority_class_row():
    obj = {
        "metadata": {"name": "high", "creationTimestamp": "2024-11-20T09:00:00Z"},
        "value": 1000,
        "globalDefault": True,
    }
    assert PRIORITY_CLASS.row(obj, NOW) == ["high", 1000, True, "10m", "PreemptLowerPriority"]
    names = [c.name for c in PRIORITY_CLASS.columns]
    assert names == ["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"]
