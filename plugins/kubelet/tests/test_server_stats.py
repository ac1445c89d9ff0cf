"""``/stats/summary`` and ``/metrics/resource`` from the runtime's container stats."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from microkube_kubelet.server import KubeletServer
from microkube_kubelet.server.stats import StatsProvider
from microkube_kubelet.server.testing import StaticPodDirectory, run_pod

from microkube.testing.fakes.runtime import ContainerBehaviour, FakeRuntime

MEMORY = 48 * 1024 * 1024


@pytest.fixture
async def kubelet(tmp_path: Path):
    runtime = FakeRuntime()
    runtime.script(ContainerBehaviour(memory_bytes=MEMORY), image="busybox:latest")
    directory = StaticPodDirectory()
    server = KubeletServer(runtime, directory, node_name="node-a", port=0, cert_dir=tmp_path)
    await server.start()
    await run_pod(runtime, directory, tmp_path / "logs", containers=("app", "sidecar"))
    http = aiohttp.ClientSession()
    server.test_http = http  # type: ignore[attr-defined]
    yield server
    await http.close()
    await server.stop()
    await runtime.close()


async def summary(kubelet: KubeletServer) -> dict:
    url = f"https://127.0.0.1:{kubelet.port}/stats/summary"
    async with kubelet.test_http.get(url, ssl=False) as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        return await response.json()


async def test_summary_shape_and_rates(kubelet: KubeletServer) -> None:
    first = await summary(kubelet)
    node = first["node"]
    assert node["nodeName"] == "node-a"
    assert node["cpu"]["usageCoreNanoSeconds"] > 0
    assert node["memory"]["workingSetBytes"] > 0
    assert node["memory"]["availableBytes"] > 0
    assert node["fs"]["capacityBytes"] >= node["fs"]["usedBytes"]
    assert node["startTime"].endswith("Z")
    [pod] = first["pods"]
    assert pod["podRef"] == {"name": "web", "namespace": "default", "uid": "uid-1"}
    assert sorted(c["name"] for c in pod["containers"]) == ["app", "sidecar"]
    for container in pod["containers"]:
        assert container["memory"]["workingSetBytes"] == MEMORY
        assert "usageCoreNanoSeconds" in container["cpu"]
        assert container["startTime"].endswith("Z")
    assert pod["memory"]["workingSetBytes"] == 2 * MEMORY

    # A rate needs two samples at least a second apart (the fake uses 1% of a core).
    await asyncio.sleep(1.2)
    second = await summary(kubelet)
    [pod] = second["pods"]
    for container in pod["containers"]:
        assert 2_000_000 <= container["cpu"]["usageNanoCores"] <= 50_000_000
    assert pod["cpu"]["usageNanoCores"] == sum(
        c["cpu"]["usageNanoCores"] for c in pod["containers"]
    )
    assert "usageNanoCores" in second["node"]["cpu"]


async def test_resource_metrics_prometheus_text(kubelet: KubeletServer) -> None:
    url = f"https://127.0.0.1:{kubelet.port}/metrics/resource"
    async with kubelet.test_http.get(url, ssl=False) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await response.text()
    lines = text.splitlines()
    assert "# TYPE container_cpu_usage_seconds_total counter" in lines
    labels = '{container="app",namespace="default",pod="web"}'
    [memory] = [ln for ln in lines if ln.startswith("container_memory_working_set_bytes" + labels)]
    assert memory.split()[1] == str(MEMORY)
    [pod_memory] = [ln for ln in lines if ln.startswith("pod_memory_working_set_bytes{")]
    assert pod_memory.startswith('pod_memory_working_set_bytes{namespace="default",pod="web"} ')
    assert pod_memory.split()[1] == str(2 * MEMORY)
    assert any(ln.startswith("node_cpu_usage_seconds_total ") for ln in lines)
    assert any(ln.startswith("node_memory_working_set_bytes ") for ln in lines)
    assert "resource_scrape_error 0" in lines


def test_rate_needs_a_one_second_window() -> None:
    provider = StatsProvider(FakeRuntime(), StaticPodDirectory(), node_name="n")
    assert provider._rate("c", 0, 0) is None
    # Within the minimum window the first rate is still computed from the base sample.
    assert provider._rate("c", 500_000_000, 250_000_000) == 500_000_000
    assert provider._rate("c", 2_000_000_000, 1_000_000_000) == 500_000_000
    assert provider._rate("c", 2_100_000_000, 1_100_000_000) == 500_000_000  # kept
    assert provider._rate("c", 4_000_000_000, 900_000_000) is None  # a restarted counter
