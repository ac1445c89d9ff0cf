"""metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics."""

from __future__ import annotations

import copy

from microkube.api import Quantity, from_dict, kind_for, to_dict
from microkube.api.metrics_v1beta1 import NodeMetrics, PodMetricsList

NODE = {
    "apiVersion": "metrics.k8s.io/v1beta1",
    "kind": "NodeMetrics",
    "metadata": {"name": "node-1", "creationTimestamp": "2024-11-20T09:00:00Z"},
    "timestamp": "2024-11-20T08:59:55Z",
    "window": "10s",
    "usage": {"cpu": "250m", "memory": "512Mi"},
}
PODS = {
    "apiVersion": "metrics.k8s.io/v1beta1",
    "kind": "PodMetricsList",
    "metadata": {},
    "items": [
        {
            "metadata": {"name": "web", "namespace": "default"},
            "timestamp": "2024-11-20T08:59:55Z",
            "window": "10s",
            "containers": [{"name": "main", "usage": {"cpu": "12m", "memory": "10Mi"}}],
        }
    ],
}


def test_node_metrics_round_trip() -> None:
    node = from_dict(copy.deepcopy(NODE))
    assert isinstance(node, NodeMetrics)
    assert node.usage["cpu"] == Quantity("250m")
    assert to_dict(node) == NODE


def test_pod_metrics_list_round_trips() -> None:
    pods = from_dict(copy.deepcopy(PODS))
    assert kind_for("metrics.k8s.io/v1beta1", "PodMetricsList") is PodMetricsList
    assert pods.items[0].containers[0].usage["memory"] == Quantity("10Mi")
    expected = copy.deepcopy(PODS)
    expected["items"][0].update(apiVersion="metrics.k8s.io/v1beta1", kind="PodMetrics")
    assert to_dict(pods) == expected
