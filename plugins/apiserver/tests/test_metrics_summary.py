"""Summary API documents read as metrics-server reads them."""

from __future__ import annotations

from datetime import UTC, datetime

from microkube_apiserver.metrics.summary import parse_summary, usage

NOW = datetime(2024, 11, 20, 9, 0, tzinfo=UTC)


def test_usage_quantities_as_metrics_server_writes_them():
    assert usage(250_000_000, 512 * 1024 * 1024) == {"cpu": "250m", "memory": "512Mi"}
    # as Go: below 1024 bytes a BinarySI quantity prints in DecimalSI
    assert usage(1234, 1000) == {"cpu": "1234n", "memory": "1k"}
    assert usage(1_000_000_000, 1500) == {"cpu": "1", "memory": "1500"}


def test_incomplete_samples_are_left_out():
    summary = {
        "node": {"cpu": {"usageNanoCores": 5}, "memory": {}},
        "pods": [
            {
                "podRef": {"name": "half", "namespace": "ns"},
                "containers": [
                    {"name": "a", "cpu": {"usageNanoCores": 1}, "memory": {"workingSetBytes": 1}},
                    {"name": "b", "cpu": {}, "memory": {"workingSetBytes": 1}},
                ],
            },
            {"podRef": {"name": "empty", "namespace": "ns"}, "containers": []},
            {
                "podRef": {"name": "ok", "namespace": "ns"},
                "containers": [
                    {
                        "name": "a",
                        "cpu": {"time": "2024-11-20T08:59:50Z", "usageNanoCores": 7},
                        "memory": {"workingSetBytes": 2048},
                    }
                ],
            },
        ],
    }
    node, pods = parse_summary("n1", summary, NOW)
    assert node is None
    assert [(p.namespace, p.name) for p in pods] == [("ns", "ok")]
    assert pods[0].timestamp == datetime(2024, 11, 20, 8, 59, 50, tzinfo=UTC)
    assert pods[0].containers[0].nano_cores == 7
    assert parse_summary("n1", {}, NOW) == (None, [])
