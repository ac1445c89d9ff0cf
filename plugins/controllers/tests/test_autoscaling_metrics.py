"""Pod usage from metrics.k8s.io PodMetrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from microkube_controllers.autoscaling.metrics import ApiPodMetrics, PodMetric, pod_usage

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_pod_metrics_usage_is_summed_over_containers():
    item = {
        "metadata": {"name": "a"},
        "timestamp": "2026-01-01T12:00:00Z",
        "window": "10s",
        "containers": [
            {"name": "x", "usage": {"cpu": "250m", "memory": "10Mi"}},
            {"name": "y", "usage": {"cpu": "1", "memory": "1Mi"}},
        ],
    }
    assert pod_usage(item, "cpu") == PodMetric(1250, NOW, timedelta(seconds=10))
    assert pod_usage(item, "cpu", "y").value == 1000
    assert pod_usage(item, "memory").value == 11 * 1024 * 1024 * 1000
    assert pod_usage(item, "gpu") is None
    assert pod_usage(item, "cpu", "z") is None


async def test_the_cluster_metrics_api_is_read(microkube_cluster):
    cluster = await microkube_cluster("apiserver")
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "idle", "labels": {"app": "m"}},
        "spec": {"containers": [{"name": "c", "image": "x"}]},
    }
    client = cluster.client()
    await client.create("pods", pod, "default")
    # no kubelet reports usage in this cluster: the API answers, with no samples
    assert await ApiPodMetrics(client).resource_metrics("default", "app=m", "cpu") == {}
