"""NodeMetrics and PodMetrics rows, as metrics-server prints them."""

from __future__ import annotations

from microkube_apiserver.tables.printers_metrics import NODE_METRICS, POD_METRICS


def test_pod_usage_is_summed_over_containers():
    pod = {
        "metadata": {"name": "db"},
        "window": "10s",
        "containers": [
            {"name": "a", "usage": {"cpu": "1m", "memory": "2Mi"}},
            {"name": "b", "usage": {"cpu": "2500000n", "memory": "3Mi"}},
        ],
    }
    assert POD_METRICS.row(pod, None) == ["db", "3500u", "5Mi", "10s"]
    assert POD_METRICS.row({"metadata": {"name": "e"}}, None) == ["e", "0", "0", ""]
    assert [c.name for c in POD_METRICS.columns] == ["Name", "cpu", "memory", "Window"]


def test_node_row():
    node = {"metadata": {"name": "n"}, "window": "10s", "usage": {"cpu": "250m", "memory": "1Gi"}}
    assert NODE_METRICS.row(node, None) == ["n", "250m", "1Gi", "10s"]
