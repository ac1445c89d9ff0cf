"""The kubelet's ``/metrics/resource`` in the Prometheus text format (its STABLE metrics, the
ones metrics-server scrapes): cumulative CPU seconds and working-set bytes of containers,
pods and the node, with the sample's timestamp in milliseconds."""

from __future__ import annotations

from collections.abc import Sequence

from microkube_kubelet.server.node_stats import NodeSample
from microkube_kubelet.server.usage import PodUsage

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def render_resource_metrics(
    node: NodeSample, pods: Sequence[PodUsage], *, now_ns: int, scrape_error: bool
) -> str:
    ms = now_ns // 1_000_000
    out: list[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        out.append(f"# HELP {name} [STABLE] {help_text}")
        out.append(f"# TYPE {name} {kind}")

    def sample(name: str, labels: dict[str, str], value: float, at_ms: int) -> None:
        text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        series = f"{name}{{{text}}}" if text else name
        out.append(f"{series} {_number(value)} {at_ms}")

    family(
        "container_cpu_usage_seconds_total",
        "counter",
        "Cumulative cpu time consumed by the container in core-seconds",
    )
    for p in pods:
        for c in p.containers:
            sample(
                "container_cpu_usage_seconds_total",
                _labels(p, c.name),
                c.cpu_core_ns / 1e9,
                c.time_ns // 1_000_000,
            )
    family(
        "container_memory_working_set_bytes",
        "gauge",
        "Current working set of the container in bytes",
    )
    for p in pods:
        for c in p.containers:
            sample(
                "container_memory_working_set_bytes",
                _labels(p, c.name),
                c.working_set_bytes,
                c.time_ns // 1_000_000,
            )
    family(
        "container_start_time_seconds",
        "gauge",
        "Start time of the container since unix epoch in seconds",
    )
    for p in pods:
        for c in p.containers:
            sample(
                "container_start_time_seconds",
                _labels(p, c.name),
                c.start_ns / 1e9,
                c.time_ns // 1_000_000,
            )
    family(
        "node_cpu_usage_seconds_total",
        "counter",
        "Cumulative cpu time consumed by the node in core-seconds",
    )
    sample("node_cpu_usage_seconds_total", {}, node.cpu_usage_core_nanoseconds / 1e9, ms)
    family("node_memory_working_set_bytes", "gauge", "Current working set of the node in bytes")
    sample("node_memory_working_set_bytes", {}, node.memory_working_set_bytes, ms)
    family(
        "pod_cpu_usage_seconds_total",
        "counter",
        "Cumulative cpu time consumed by the pod in core-seconds",
    )
    for p in pods:
        sample(
            "pod_cpu_usage_seconds_total",
            _labels(p),
            sum(c.cpu_core_ns for c in p.containers) / 1e9,
            ms,
        )
    family("pod_memory_working_set_bytes", "gauge", "Current working set of the pod in bytes")
    for p in pods:
        sample(
            "pod_memory_working_set_bytes",
            _labels(p),
            sum(c.working_set_bytes for c in p.containers),
            ms,
        )
    family(
        "resource_scrape_error",
        "gauge",
        "1 if there was an error while getting container metrics, 0 otherwise",
    )
    out.append(f"resource_scrape_error {int(scrape_error)}")
    return "\n".join(out) + "\n"


def _labels(pod: PodUsage, container: str | None = None) -> dict[str, str]:
    labels = {"namespace": pod.pod.namespace, "pod": pod.pod.name}
    if container is not None:
        labels = {"container": container, **labels}
    return labels


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))
