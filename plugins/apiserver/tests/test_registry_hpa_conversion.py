"""autoscaling/v1 <-> v2 HorizontalPodAutoscaler conversion."""

from __future__ import annotations

import json

import pytest
from microkube_apiserver import errors
from microkube_apiserver.registry.hpa_conversion import (
    BEHAVIOR,
    CONDITIONS,
    METRICS,
    to_v1,
    to_v2,
    to_v2_defaulted,
)

V1 = {
    "apiVersion": "autoscaling/v1",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": 2,
        "maxReplicas": 5,
        "targetCPUUtilizationPercentage": 80,
    },
    "status": {"currentReplicas": 2, "desiredReplicas": 3, "currentCPUUtilizationPercentage": 91},
}
CPU = {
    "type": "Resource",
    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
}


def test_v1_cpu_target_becomes_a_v2_resource_metric_and_back():
    v2 = to_v2(V1)
    assert v2["apiVersion"] == "autoscaling/v2"
    assert v2["spec"]["metrics"] == [CPU]
    assert "targetCPUUtilizationPercentage" not in v2["spec"]
    assert v2["status"]["currentMetrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 91}}}
    ]
    assert to_v1(v2) == V1


def test_what_v1_cannot_hold_travels_in_annotations():
    pods = {
        "type": "Pods",
        "pods": {
            "metric": {"name": "qps"},
            "target": {"type": "AverageValue", "averageValue": "10"},
        },
    }
    behavior = {"scaleDown": {"stabilizationWindowSeconds": 60}}
    conditions = [{"type": "AbleToScale", "status": "True"}]
    v2 = {
        **to_v2(V1),
        "spec": {**to_v2(V1)["spec"], "metrics": [CPU, pods], "behavior": behavior},
    }
    v2["status"]["conditions"] = conditions
    v1 = to_v1(v2)
    annotations = v1["metadata"]["annotations"]
    assert v1["spec"]["targetCPUUtilizationPercentage"] == 80
    assert json.loads(annotations[METRICS]) == [pods]
    assert json.loads(annotations[BEHAVIOR]) == behavior
    assert json.loads(annotations[CONDITIONS]) == conditions
    assert to_v2(v1) == v2


def test_stored_form_has_v2_defaults():
    bare = {**V1, "spec": {k: v for k, v in V1["spec"].items() if k != "minReplicas"}}
    bare["spec"].pop("targetCPUUtilizationPercentage")
    stored = to_v2_defaulted(bare)
    assert stored["spec"]["minReplicas"] == 1
    assert stored["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 80


def test_bad_annotation_is_a_bad_request():
    broken = {**V1, "metadata": {"name": "web", "annotations": {METRICS: "{nope"}}}
    with pytest.raises(errors.ApiError) as caught:
        to_v2(broken)
    assert caught.value.code == 400
