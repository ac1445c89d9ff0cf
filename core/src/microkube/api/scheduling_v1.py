"""scheduling.k8s.io/v1: PriorityClass, the name-to-priority mapping pods refer to.

A pod's ``spec.priorityClassName`` is resolved by the API server's Priority admission into
``spec.priority`` (and ``spec.preemptionPolicy``); the scheduler orders and preempts by it.
"""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.meta_v1 import ListMeta, ObjectMeta

GROUP_VERSION = "scheduling.k8s.io/v1"


@model
class PriorityClass:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="PriorityClass")
    metadata: ObjectMeta | None = field()
    # Required; user classes may use at most 1e9, larger values are reserved for system classes.
    value: int | None = field()
    # At most one class may be the default for pods that name no class.
    global_default: bool | None = field()
    description: str | None = field()
    # "PreemptLowerPriority" (the default) or "Never".
    preemption_policy: str | None = field()


@model
class PriorityClassList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="PriorityClassList")
    metadata: ListMeta | None = field()
    items: list[PriorityClass] | None = field()


KINDS: tuple[type, ...] = (PriorityClass, PriorityClassList)
