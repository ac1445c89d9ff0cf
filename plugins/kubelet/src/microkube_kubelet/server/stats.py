"""Resource usage for ``/stats/summary`` (the Summary API, stats/v1alpha1) and
``/metrics/resource`` (what metrics-server scrapes; rendered by :mod:`.resource_metrics`),
from the runtime's container stats.

CPU *rates* (``usageNanoCores``) come from the difference of two cumulative samples, as the
kubelet's CRI stats provider computes them: the provider keeps each container's previous
sample and a background sampler takes one every ``interval`` seconds, so a rate is ready by
the time anyone asks. A rate is only computed over at least :data:`MIN_WINDOW_NS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from typing import Any

import attrs

from microkube.contracts.runtime import ContainerRuntime, RuntimeError_
from microkube_kubelet.server.directory import PodDirectory
from microkube_kubelet.server.node_stats import NodeSample, read_fs_sample, read_node_sample
from microkube_kubelet.server.resource_metrics import render_resource_metrics
from microkube_kubelet.server.usage import ContainerUsage, PodUsage

MIN_WINDOW_NS = 1_000_000_000
NODE_KEY = "\x00node"


@attrs.define
class _Rate:
    base_ns: int
    base_cpu: int
    nano_cores: int | None = None


def rfc3339(ns: int) -> str:
    return datetime.fromtimestamp(ns // 1_000_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StatsProvider:
    """Samples the node and the running containers of the pods in the directory."""

    def __init__(
        self,
        runtime: ContainerRuntime,
        directory: PodDirectory,
        *,
        node_name: str,
        fs_path: str = "/",
        interval: float = 10.0,
    ) -> None:
        self._runtime = runtime
        self._directory = directory
        self.node_name = node_name
        self._fs_path = fs_path
        self._interval = interval
        self._rates: dict[str, _Rate] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._sample_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _sample_forever(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.pod_usage()
                self._node()
            await asyncio.sleep(self._interval)

    def _rate(self, key: str, now_ns: int, cpu_ns: int) -> int | None:
        rate = self._rates.get(key)
        if rate is None or cpu_ns < rate.base_cpu:
            self._rates[key] = _Rate(now_ns, cpu_ns)
            return None
        window = now_ns - rate.base_ns
        if window >= MIN_WINDOW_NS:
            rate.nano_cores = (cpu_ns - rate.base_cpu) * 1_000_000_000 // window
            rate.base_ns, rate.base_cpu = now_ns, cpu_ns
        elif rate.nano_cores is None and window > 0:
            return (cpu_ns - rate.base_cpu) * 1_000_000_000 // window
        return rate.nano_cores

    def _node(self) -> tuple[NodeSample, int | None, int]:
        sample = read_node_sample()
        now = time.time_ns()
        return sample, self._rate(NODE_KEY, now, sample.cpu_usage_core_nanoseconds), now

    async def pod_usage(self) -> list[PodUsage]:
        pods: list[PodUsage] = []
        seen: set[str] = set()
        for pod in self._directory.pods():
            containers: list[ContainerUsage] = []
            for ref in pod.containers.values():
                if not ref.running:
                    continue
                try:
                    stats = await self._runtime.container_stats(ref.container_id)
                    status = await self._runtime.container_status(ref.container_id)
                except RuntimeError_:
                    continue
                seen.add(ref.container_id)
                containers.append(
                    ContainerUsage(
                        name=ref.name,
                        start_ns=status.started_at_ns or status.created_at_ns,
                        time_ns=stats.timestamp_ns,
                        cpu_core_ns=stats.cpu_usage_core_nanoseconds,
                        nano_cores=self._rate(
                            ref.container_id, stats.timestamp_ns, stats.cpu_usage_core_nanoseconds
                        ),
                        working_set_bytes=stats.memory_working_set_bytes,
                    )
                )
            start_ns = min((c.start_ns for c in containers if c.start_ns), default=0)
            try:
                sandbox = await self._runtime.pod_sandbox_status(pod.sandbox_id)
                start_ns = sandbox.created_at_ns or start_ns
            except RuntimeError_:
                pass
            pods.append(PodUsage(pod=pod, start_ns=start_ns, containers=tuple(containers)))
        for key in [k for k in self._rates if k != NODE_KEY and k not in seen]:
            del self._rates[key]  # containers that are gone
        return pods

    async def summary(self) -> dict[str, Any]:
        """The Summary API document (``GET /stats/summary``)."""
        node, node_rate, now = self._node()
        fs = read_fs_sample(self._fs_path)
        stamp = rfc3339(now)
        node_doc: dict[str, Any] = {
            "nodeName": self.node_name,
            "startTime": rfc3339(node.boot_time_seconds * 1_000_000_000),
            "cpu": _cpu(stamp, node_rate, node.cpu_usage_core_nanoseconds),
            "memory": {
                "time": stamp,
                "availableBytes": node.memory_available_bytes,
                "usageBytes": node.memory_usage_bytes,
                "workingSetBytes": node.memory_working_set_bytes,
                "rssBytes": node.memory_rss_bytes,
                "pageFaults": 0,
                "majorPageFaults": 0,
            },
            "fs": {
                "time": stamp,
                "availableBytes": fs.available_bytes,
                "capacityBytes": fs.capacity_bytes,
                "usedBytes": fs.used_bytes,
                "inodesFree": fs.inodes_free,
                "inodes": fs.inodes,
                "inodesUsed": fs.inodes - fs.inodes_free,
            },
        }
        pods = []
        for usage in await self.pod_usage():
            containers = [
                {
                    "name": c.name,
                    "startTime": rfc3339(c.start_ns),
                    "cpu": _cpu(rfc3339(c.time_ns), c.nano_cores, c.cpu_core_ns),
                    "memory": {"time": rfc3339(c.time_ns), "workingSetBytes": c.working_set_bytes},
                }
                for c in usage.containers
            ]
            pod_rates = [c.nano_cores for c in usage.containers]
            pod_rate = None if None in pod_rates else sum(r or 0 for r in pod_rates)
            pods.append(
                {
                    "podRef": {
                        "name": usage.pod.name,
                        "namespace": usage.pod.namespace,
                        "uid": usage.pod.uid,
                    },
                    "startTime": rfc3339(usage.start_ns),
                    "containers": containers,
                    "cpu": _cpu(stamp, pod_rate, sum(c.cpu_core_ns for c in usage.containers)),
                    "memory": {
                        "time": stamp,
                        "workingSetBytes": sum(c.working_set_bytes for c in usage.containers),
                    },
                }
            )
        return {"node": node_doc, "pods": pods}

    async def resource_metrics(self) -> str:
        """Prometheus text for ``GET /metrics/resource``."""
        node, _rate, now = self._node()
        try:
            pods, scrape_error = await self.pod_usage(), False
        except RuntimeError_:
            pods, scrape_error = [], True
        return render_resource_metrics(node, pods, now_ns=now, scrape_error=scrape_error)


def _cpu(stamp: str, nano_cores: int | None, core_ns: int) -> dict[str, Any]:
    doc: dict[str, Any] = {"time": stamp}
    if nano_cores is not None:
        doc["usageNanoCores"] = nano_cores
    doc["usageCoreNanoSeconds"] = core_ns
    return doc
