"""metrics.k8s.io/v1beta1 from the kubelets' Summary API, with the real ``kubectl top``."""

from __future__ import annotations

import json

import aiohttp
import pytest

METRICS = "/apis/metrics.k8s.io/v1beta1"


async def raw(cluster, path: str) -> dict:
    return json.loads((await cluster.kubectl("get", "--raw", METRICS + path)).stdout)


NOW = "2026-01-02T03:04:05Z"


def summary() -> dict:
    def container(name: str, nano: int, working: int) -> dict:
        return {
            "name": name,
            "cpu": {"time": NOW, "usageNanoCores": nano, "usageCoreNanoSeconds": 1},
            "memory": {"time": NOW, "workingSetBytes": working},
        }

    return {
        "node": {
            "nodeName": "node-1",
            "cpu": {"time": NOW, "usageNanoCores": 250_000_000},
            "memory": {"time": NOW, "workingSetBytes": 512 * 1024 * 1024},
        },
        "pods": [
            {
                "podRef": {"name": "web", "namespace": "default", "uid": "u1"},
                "containers": [container("main", 12_000_000, 10 * 1024 * 1024)],
            },
            {
                "podRef": {"name": "db", "namespace": "default", "uid": "u2"},
                "containers": [
                    container("a", 1_000_000, 2 * 1024 * 1024),
                    container("b", 2_000_000, 3 * 1024 * 1024),
                ],
            },
            {
                # Gone from the API: metrics-server shows only pods that exist.
                "podRef": {"name": "ghost", "namespace": "default", "uid": "u3"},
                "containers": [container("main", 1, 1)],
            },
        ],
    }


@pytest.fixture
async def cluster(microkube_cluster, kubelet, helpers):
    kubelet.summary = summary()
    cluster = await microkube_cluster("apiserver")
    api = cluster.client()
    await helpers.register_node(api, "node-1", kubelet.port)
    await helpers.create_pod(api, "web", "node-1", labels={"app": "web"})
    await helpers.create_pod(api, "db", "node-1", ("a", "b"), labels={"app": "db"})
    return cluster


async def test_pod_and_node_metrics_as_metrics_server_serves_them(cluster):
    pods = await raw(cluster, "/namespaces/default/pods")
    assert pods["kind"] == "PodMetricsList"
    by_name = {p["metadata"]["name"]: p for p in pods["items"]}
    assert set(by_name) == {"web", "db"}
    web = by_name["web"]
    assert web["metadata"]["labels"] == {"app": "web"}
    assert web["timestamp"] == NOW and web["window"]
    assert web["containers"] == [{"name": "main", "usage": {"cpu": "12m", "memory": "10Mi"}}]
    node = await raw(cluster, "/nodes/node-1")
    assert node["kind"] == "NodeMetrics"
    assert node["usage"] == {"cpu": "250m", "memory": "512Mi"}
    assert node["metadata"]["labels"] == {"disk": "ssd"}


async def test_api_client_reads_pod_metrics_through_discovery(cluster):
    """How a controller (the HPA) reads them: resolve through discovery, then list."""
    api = cluster.client()
    pods = await api.resolve("pods", "metrics.k8s.io/v1beta1")
    listed = await api.list(pods, "default", label_selector="app=web")
    assert [p["metadata"]["name"] for p in listed["items"]] == ["web"]
    assert listed["items"][0]["containers"][0]["usage"]["cpu"] == "12m"


async def test_selectors_and_not_found(cluster):
    selected = await raw(cluster, "/pods?labelSelector=app%3Ddb")
    assert [p["metadata"]["name"] for p in selected["items"]] == ["db"]
    result = await cluster.kubectl(
        "get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope", check=False
    )
    assert 'pods.metrics.k8s.io "default/nope" not found' in result.stderr
    server = json.loads(cluster.kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=cluster.ssl_context())
    ) as session:
        url = f"{server}{METRICS}/namespaces/default/pods"
        async with session.post(url, json={}) as response:
            assert response.status == 405
        async with session.get(url, params={"watch": "true"}) as response:
            assert response.status == 405
            assert (await response.json())["message"] == (
                'watch is not supported on resources of kind "pods.metrics.k8s.io"'
            )


async def test_kubectl_top_pods_and_nodes(cluster):
    pods = await cluster.kubectl("top", "pods")
    lines = pods.stdout.splitlines()
    assert lines[0].split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert sorted(line.split() for line in lines[1:]) == [
        ["db", "3m", "5Mi"],
        ["web", "12m", "10Mi"],
    ]
    containers = await cluster.kubectl("top", "pod", "db", "--containers")
    assert [line.split() for line in containers.stdout.splitlines()] == [
        ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"],
        ["db", "a", "1m", "2Mi"],
        ["db", "b", "2m", "3Mi"],
    ]
    nodes = await cluster.kubectl("top", "nodes")
    assert [line.split() for line in nodes.stdout.splitlines()] == [
        ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"],
        ["node-1", "250m", "12%", "512Mi", "12%"],
    ]


async def test_kubectl_get_prints_metrics_server_columns(cluster):
    got = await cluster.kubectl("get", "podmetrics", "-l", "app=db")
    assert [line.split() for line in got.stdout.splitlines()] == [
        ["NAME", "CPU", "MEMORY", "WINDOW"],
        ["db", "3m", "5Mi", "10s"],
    ]


async def test_unreachable_or_not_ready_kubelets_are_skipped(microkube_cluster, kubelet, helpers):
    kubelet.summary = summary()
    cluster = await microkube_cluster("apiserver")
    api = cluster.client()
    await helpers.register_node(api, "node-1", kubelet.port, ready=False)
    await helpers.register_node(api, "node-2", 1)  # nothing listens on port 1
    nodes = await raw(cluster, "/nodes")
    assert nodes["items"] == []
    assert not any(path.startswith("/stats") for _, path, _ in kubelet.requests)
