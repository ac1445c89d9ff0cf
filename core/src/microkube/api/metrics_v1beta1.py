"""metrics.k8s.io/v1beta1: NodeMetrics and PodMetrics, what ``kubectl top`` reads.

Read-only and computed on request (metrics-server's shape): the API server gathers them from
the kubelets' Summary API; nothing is stored.
"""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.meta_v1 import ListMeta, ObjectMeta, Time
from microkube.api.quantity import Quantity

GROUP_VERSION = "metrics.k8s.io/v1beta1"


@model
class NodeMetrics:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="NodeMetrics")
    metadata: ObjectMeta | None = field()
    # When the sample was taken, and the window over which usage was averaged ("20s").
    timestamp: Time | None = field()
    window: str | None = field()
    usage: dict[str, Quantity] | None = field()


@model
class NodeMetricsList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="NodeMetricsList")
    metadata: ListMeta | None = field()
    items: list[NodeMetrics] | None = field()


@model
class ContainerMetrics:
    name: str | None = field()
    usage: dict[str, Quantity] | None = field()


@model
class PodMetrics:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="PodMetrics")
    metadata: ObjectMeta | None = field()
    timestamp: Time | None = field()
    window: str | None = field()
    containers: list[ContainerMetrics] | None = field()


@model
class PodMetricsList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="PodMetricsList")
    metadata: ListMeta | None = field()
    items: list[PodMetrics] | None = field()


KINDS: tuple[type, ...] = (NodeMetrics, NodeMetricsList, PodMetrics, PodMetricsList)
