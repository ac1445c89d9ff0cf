"""Kubelet Summary API samples (``GET /stats/summary``), gathered from every Ready node with a
bounded time per kubelet, and kept for a short while (metrics-server scrapes every 15 s; a
sample here is reused for ``CACHE_SECONDS``). Unreachable kubelets are left out, as
metrics-server leaves them out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import aiohttp
import attrs

from microkube.api.quantity import Format, Quantity
from microkube_apiserver import errors
from microkube_apiserver.kubelet.location import node_endpoint
from microkube_apiserver.kubelet.transport import insecure_tls
from microkube_apiserver.registry.context import Api, Target
from microkube_apiserver.registry.reads import list_objects
from microkube_apiserver.registry.versions import ListParams

__all__ = [
    "CACHE_SECONDS",
    "KUBELET_SECONDS",
    "ContainerUsage",
    "NodeSample",
    "PodSample",
    "Samples",
    "SummaryCache",
    "parse_summary",
    "usage",
]

log = logging.getLogger(__name__)

CACHE_SECONDS = 10.0
#: How long one kubelet may take to answer before it is skipped.
KUBELET_SECONDS = 5.0


@attrs.frozen
class ContainerUsage:
    name: str
    nano_cores: int
    working_set_bytes: int


@attrs.frozen
class PodSample:
    namespace: str
    name: str
    timestamp: datetime
    containers: tuple[ContainerUsage, ...]


@attrs.frozen
class NodeSample:
    name: str
    timestamp: datetime
    nano_cores: int
    working_set_bytes: int


@attrs.frozen
class Samples:
    nodes: dict[str, NodeSample]
    pods: dict[tuple[str, str], PodSample]


def usage(nano_cores: int, working_set_bytes: int) -> dict[str, str]:
    """``{cpu, memory}`` as metrics-server writes them (nano cores; bytes in BinarySI)."""
    return {
        "cpu": str(Quantity(f"{nano_cores}n")),
        "memory": str(Quantity.from_decimal(working_set_bytes, Format.BINARY_SI)),
    }


def _time(value: Any, fallback: datetime) -> datetime:
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return fallback
    return fallback


def _stat(stats: Mapping[str, Any] | None, key: str) -> int | None:
    value = (stats or {}).get(key)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def parse_summary(
    node_name: str, summary: Mapping[str, Any], now: datetime
) -> tuple[NodeSample | None, list[PodSample]]:
    """A Summary API document's node and pod samples. As metrics-server, a node or container
    without both a CPU rate and a working set is left out, and so is a pod with no container
    left."""
    node = summary.get("node") or {}
    cpu, memory = node.get("cpu") or {}, node.get("memory") or {}
    nano, working = _stat(cpu, "usageNanoCores"), _stat(memory, "workingSetBytes")
    node_sample = None
    if nano is not None and working is not None:
        node_sample = NodeSample(node_name, _time(cpu.get("time"), now), nano, working)
    pods: list[PodSample] = []
    for pod in summary.get("pods") or []:
        ref = pod.get("podRef") or {}
        containers: list[ContainerUsage] = []
        stamp = now
        complete = True
        for container in pod.get("containers") or []:
            ccpu, cmem = container.get("cpu") or {}, container.get("memory") or {}
            cnano, cworking = _stat(ccpu, "usageNanoCores"), _stat(cmem, "workingSetBytes")
            if cnano is None or cworking is None:
                complete = False
                continue
            stamp = _time(ccpu.get("time"), now)
            containers.append(ContainerUsage(str(container.get("name") or ""), cnano, cworking))
        if ref.get("name") and ref.get("namespace") and containers and complete:
            pods.append(PodSample(ref["namespace"], ref["name"], stamp, tuple(containers)))
    return node_sample, pods


def _ready(node: Mapping[str, Any]) -> bool:
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


class SummaryCache:
    """The latest samples of every reachable Ready node, refreshed at most every
    ``CACHE_SECONDS`` (concurrent readers share one refresh)."""

    def __init__(
        self, cache_seconds: float = CACHE_SECONDS, kubelet_seconds: float = KUBELET_SECONDS
    ) -> None:
        self._cache_seconds = cache_seconds
        self._kubelet_seconds = kubelet_seconds
        self._samples: Samples | None = None
        self._taken = 0.0
        self._lock = asyncio.Lock()

    async def samples(self, api: Api) -> Samples:
        async with self._lock:
            fresh = time.monotonic() - self._taken < self._cache_seconds
            if self._samples is None or not fresh:
                self._samples = await self._gather(api)
                self._taken = time.monotonic()
            return self._samples

    async def _gather(self, api: Api) -> Samples:
        resource = api.resource("", "nodes")
        assert resource is not None
        nodes = (await list_objects(api, Target(resource), ListParams()))["items"]
        ready = [n for n in nodes if _ready(n)]
        timeout = aiohttp.ClientTimeout(total=self._kubelet_seconds)
        connector = aiohttp.TCPConnector(ssl=insecure_tls())
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            answers = await asyncio.gather(*(self._scrape(session, node) for node in ready))
        samples = Samples(nodes={}, pods={})
        for node_sample, pods in answers:
            if node_sample is not None:
                samples.nodes[node_sample.name] = node_sample
            for pod in pods:
                samples.pods[(pod.namespace, pod.name)] = pod
        return samples

    async def _scrape(
        self, session: aiohttp.ClientSession, node: Mapping[str, Any]
    ) -> tuple[NodeSample | None, list[PodSample]]:
        name = (node.get("metadata") or {}).get("name") or ""
        try:
            endpoint = node_endpoint(node)
            url = f"https://{endpoint.netloc}/stats/summary?only_cpu_and_memory=true"
            async with session.get(url) as answer:
                if answer.status != 200:
                    log.info(
                        "kubelet of node %s answered %s to /stats/summary", name, answer.status
                    )
                    return None, []
                summary = await answer.json(content_type=None)
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError, errors.ApiError) as exc:
            log.info("skipping node %s: its kubelet is unreachable (%s)", name, exc)
            return None, []
        if not isinstance(summary, dict):
            return None, []
        return parse_summary(name, summary, datetime.now(UTC))
