"""policy/v1: Eviction (the body of ``POST pods/<name>/eviction``) and PodDisruptionBudget."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.intstr import IntOrString
from microkube.api.meta_v1 import (
    Condition,
    DeleteOptions,
    LabelSelector,
    ListMeta,
    ObjectMeta,
    Time,
)

GROUP_VERSION = "policy/v1"


@model
class Eviction:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Eviction")
    metadata: ObjectMeta | None = field()
    delete_options: DeleteOptions | None = field()


@model
class PodDisruptionBudgetSpec:
    min_available: IntOrString | None = field()
    selector: LabelSelector | None = field()
    max_unavailable: IntOrString | None = field()
    unhealthy_pod_eviction_policy: str | None = field()  # IfHealthyBudget, AlwaysAllow


@model
class PodDisruptionBudgetStatus:
    observed_generation: int | None = field()
    disrupted_pods: dict[str, Time] | None = field()
    disruptions_allowed: int | None = field()
    current_healthy: int | None = field()
    desired_healthy: int | None = field()
    expected_pods: int | None = field()
    conditions: list[Condition] | None = field()


@model
class PodDisruptionBudget:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="PodDisruptionBudget")
    metadata: ObjectMeta | None = field()
    spec: PodDisruptionBudgetSpec | None = field()
    status: PodDisruptionBudgetStatus | None = field()


@model
class PodDisruptionBudgetList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="PodDisruptionBudgetList")
    metadata: ListMeta | None = field()
    items: list[PodDisruptionBudget] | None = field()


KINDS: tuple[type, ...] = (Eviction, PodDisruptionBudget, PodDisruptionBudgetList)
