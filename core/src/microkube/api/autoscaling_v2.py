"""autoscaling/v2: HorizontalPodAutoscaler, scaling a workload's ``/scale`` on metrics.

The HPA controller reads ``spec`` (target, bounds, metrics, behavior) and writes ``status``
(current and desired replicas, the metrics it observed, conditions).
"""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.meta_v1 import LabelSelector, ListMeta, ObjectMeta, Time
from microkube.api.quantity import Quantity

GROUP_VERSION = "autoscaling/v2"


@model
class CrossVersionObjectReference:
    kind: str | None = field()
    name: str | None = field()
    api_version: str | None = field()


@model
class MetricIdentifier:
    name: str | None = field()
    selector: LabelSelector | None = field()


@model
class MetricTarget:
    type: str | None = field()  # Utilization, Value, AverageValue
    value: Quantity | None = field()
    average_value: Quantity | None = field()
    average_utilization: int | None = field()


@model
class MetricValueStatus:
    value: Quantity | None = field()
    average_value: Quantity | None = field()
    average_utilization: int | None = field()


@model
class ObjectMetricSource:
    described_object: CrossVersionObjectReference | None = field()
    target: MetricTarget | None = field()
    metric: MetricIdentifier | None = field()


@model
class PodsMetricSource:
    metric: MetricIdentifier | None = field()
    target: MetricTarget | None = field()


@model
class ResourceMetricSource:
    name: str | None = field()
    target: MetricTarget | None = field()


@model
class ContainerResourceMetricSource:
    name: str | None = field()
    target: MetricTarget | None = field()
    container: str | None = field()


@model
class ExternalMetricSource:
    metric: MetricIdentifier | None = field()
    target: MetricTarget | None = field()


@model
class MetricSpec:
    type: str | None = field()  # Object, Pods, Resource, ContainerResource, External
    object: ObjectMetricSource | None = field()
    pods: PodsMetricSource | None = field()
    resource: ResourceMetricSource | None = field()
    container_resource: ContainerResourceMetricSource | None = field()
    external: ExternalMetricSource | None = field()


@model
class HPAScalingPolicy:
    type: str | None = field()  # Pods, Percent
    value: int | None = field()
    period_seconds: int | None = field()


@model
class HPAScalingRules:
    stabilization_window_seconds: int | None = field()
    select_policy: str | None = field()  # Max, Min, Disabled
    policies: list[HPAScalingPolicy] | None = field()
    # Alpha in 1.33 (HPAConfigurableTolerance); kept so such objects round-trip.
    tolerance: Quantity | None = field()


@model
class HorizontalPodAutoscalerBehavior:
    scale_up: HPAScalingRules | None = field()
    scale_down: HPAScalingRules | None = field()


@model
class HorizontalPodAutoscalerSpec:
    scale_target_ref: CrossVersionObjectReference | None = field()
    min_replicas: int | None = field()
    max_replicas: int | None = field()
    metrics: list[MetricSpec] | None = field()
    behavior: HorizontalPodAutoscalerBehavior | None = field()


@model
class ObjectMetricStatus:
    metric: MetricIdentifier | None = field()
    current: MetricValueStatus | None = field()
    described_object: CrossVersionObjectReference | None = field()


@model
class PodsMetricStatus:
    metric: MetricIdentifier | None = field()
    current: MetricValueStatus | None = field()


@model
class ResourceMetricStatus:
    name: str | None = field()
    current: MetricValueStatus | None = field()


@model
class ContainerResourceMetricStatus:
    name: str | None = field()
    current: MetricValueStatus | None = field()
    container: str | None = field()


@model
class ExternalMetricStatus:
    metric: MetricIdentifier | None = field()
    current: MetricValueStatus | None = field()


@model
class MetricStatus:
    type: str | None = field()
    object: ObjectMetricStatus | None = field()
    pods: PodsMetricStatus | None = field()
    resource: ResourceMetricStatus | None = field()
    container_resource: ContainerResourceMetricStatus | None = field()
    external: ExternalMetricStatus | None = field()


@model
class HorizontalPodAutoscalerCondition:
    type: str | None = field()  # ScalingActive, AbleToScale, ScalingLimited
    status: str | None = field()
    last_transition_time: Time | None = field()
    reason: str | None = field()
    message: str | None = field()


@model
class HorizontalPodAutoscalerStatus:
    observed_generation: int | None = field()
    last_scale_time: Time | None = field()
    current_replicas: int | None = field()
    desired_replicas: int | None = field()
    current_metrics: list[MetricStatus] | None = field()
    conditions: list[HorizontalPodAutoscalerCondition] | None = field()


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


KINDS: tuple[type, ...] = (HorizontalPodAutoscaler, HorizontalPodAutoscalerList)
