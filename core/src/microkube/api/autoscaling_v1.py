"""autoscaling/v1: Scale, the body of every ``/scale`` subresource (``kubectl scale``)."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.meta_v1 import ObjectMeta

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


KINDS: tuple[type, ...] = (Scale,)
