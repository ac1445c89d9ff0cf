"""authentication.k8s.io/v1: SelfSubjectReview ("who am I?", ``kubectl auth whoami``),
answered from the request's authenticated user and never stored."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.meta_v1 import ObjectMeta

GROUP_VERSION = "authentication.k8s.io/v1"


@model
class UserInfo:
    username: str | None = field()
    uid: str | None = field()
    groups: list[str] | None = field()
    extra: dict[str, list[str]] | None = field()


@model
class SelfSubjectReviewStatus:
    user_info: UserInfo | None = field()


@model
class SelfSubjectReview:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="SelfSubjectReview")
    metadata: ObjectMeta | None = field()
    status: SelfSubjectReviewStatus | None = field()


KINDS: tuple[type, ...] = (SelfSubjectReview,)
