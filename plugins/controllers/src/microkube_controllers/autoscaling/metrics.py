"""Where the HPA controller reads pod usage: a small source interface, and its
implementation over ``metrics.k8s.io/v1beta1`` PodMetrics (what metrics-server — here the API
server, from the kubelets' reports — serves)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

import attrs

from microkube.api import Quantity
from microkube.client import Resource
from microkube_controllers.common.timeutil import parse_time

__all__ = ["POD_METRICS", "ApiPodMetrics", "PodMetric", "PodMetricsSource", "pod_usage"]

POD_METRICS = Resource(
    "metrics.k8s.io", "v1beta1", "pods", True, "PodMetrics", "", verbs=("get", "list")
)


@attrs.frozen
class PodMetric:
    """One pod's usage of a resource in milli-units (millicores, milli-bytes), sampled at
    ``timestamp`` over ``window``."""

    value: int
    timestamp: datetime
    window: timedelta


class PodMetricsSource(Protocol):
    async def resource_metrics(
        self, namespace: str, selector: str, resource: str, container: str = ""
    ) -> dict[str, PodMetric]:
        """Usage of ``resource`` by the pods ``selector`` matches, by pod name (only the
        ``container`` of each pod if one is named)."""


def _window(text: str | None) -> timedelta:
    if not text:
        return timedelta(seconds=30)
    if text.endswith("ms"):
        return timedelta(milliseconds=float(text[:-2]))
    units = {"s": 1, "m": 60, "h": 3600}
    if text[-1] in units:
        try:
            return timedelta(seconds=float(text[:-1]) * units[text[-1]])
        except ValueError:
            return timedelta(seconds=30)
    return timedelta(seconds=30)


def pod_usage(item: Mapping[str, Any], resource: str, container: str = "") -> PodMetric | None:
    """A PodMetrics object's usage of ``resource`` (None if a container lacks it)."""
    total = 0
    containers = item.get("containers") or []
    if container:
        containers = [c for c in containers if c.get("name") == container]
        if not containers:
            return None
    for entry in containers:
        usage = (entry.get("usage") or {}).get(resource)
        if usage is None:
            return None
        total += Quantity(usage).milli_value()
    moment = parse_time(item.get("timestamp"))
    if moment is None:
        return None
    return PodMetric(total, moment, _window(item.get("window")))


class ApiPodMetrics:
    """:class:`PodMetricsSource` over the ``metrics.k8s.io`` API of the cluster."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def resource_metrics(
        self, namespace: str, selector: str, resource: str, container: str = ""
    ) -> dict[str, PodMetric]:
        found = await self.client.list(POD_METRICS, namespace, label_selector=selector or None)
        metrics: dict[str, PodMetric] = {}
        for item in found.get("items") or ():
            metric = pod_usage(item, resource, container)
            if metric is not None:
                metrics[(item.get("metadata") or {}).get("name", "")] = metric
        return metrics
