"""autoscaling/v1: Scale, the body of every ``/scale`` subresource (``kubectl scale``), and
the v1 HorizontalPodAutoscaler (CPU only; what ``kubectl autoscale`` posts; stored as v2)."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.meta_v1 import ListMeta, ObjectMeta, Time

GROUP_VERSION = "autoscaling/v1"


@model
class ScaleSpec:
    replicas: int | None = field()


@model
class ScaleStatus:
    replicas: int | None = field()
    # The label selector of the scaled resource's pods, in string form ("app=web,tier in (a)").
    selector: str | None = field()


@model
class Scale:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Scale")
    metadata: ObjectMeta | None = field()
    spec: ScaleSpec | None = field()
    status: ScaleStatus | None = field()


@model
class CrossVersionObjectReference:
    kind: str | None = field()
    name: str | None = field()
    api_version: str | None = field()


@model
class HorizontalPodAutoscalerSpec:
    scale_target_ref: CrossVersionObjectReference | None = field()
    min_replicas: int | None = field()
    max_replicas: int | None = field()
    target_cpu_utilization_percentage: int | None = field(json="targetCPUUtilizationPercentage")


@model
class HorizontalPodAutoscalerStatus:
    observed_generation: int | None = field()
    last_scale_time: Time | None = field()
    current_replicas: int | None = field()
    desired_replicas: int | None = field()
    current_cpu_utilization_percentage: int | None = field(json="currentCPUUtilizationPercentage")


@model
class HorizontalPodAutoscaler:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="HorizontalPodAutoscaler")
    metadata: ObjectMeta | None = field()
    spec: HorizontalPodAutoscalerSpec | None = field()
    status: HorizontalPodAutoscalerStatus | None = field()


@model
class HorizontalPodAutoscalerList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="HorizontalPodAutoscalerList")
    metadata: ListMeta | None = field()
    items: list[HorizontalPodAutoscaler] | None = field()


KINDS: tuple[type, ...] = (Scale, HorizontalPodAutoscaler, HorizontalPodAutoscalerList)
