"""authorization.k8s.io/v1: access reviews, questions to the API server's authorizers
("may this user do this?", "what may I do here?"), answered in ``status`` and never stored."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.meta_v1 import ObjectMeta

GROUP_VERSION = "authorization.k8s.io/v1"


@model
class ResourceAttributes:
    namespace: str | None = field()
    verb: str | None = field()
    group: str | None = field()
    version: str | None = field()
    resource: str | None = field()
    subresource: str | None = field()
    name: str | None = field()


@model
class NonResourceAttributes:
    path: str | None = field()
    verb: str | None = field()


@model
class SubjectAccessReviewSpec:
    resource_attributes: ResourceAttributes | None = field()
    non_resource_attributes: NonResourceAttributes | None = field()
    user: str | None = field()
    groups: list[str] | None = field()
    extra: dict[str, list[str]] | None = field()
    uid: str | None = field()


@model
class SelfSubjectAccessReviewSpec:
    resource_attributes: ResourceAttributes | None = field()
    non_resource_attributes: NonResourceAttributes | None = field()


@model
class SubjectAccessReviewStatus:
    allowed: bool = field(default=False)
    denied: bool | None = field()
    reason: str | None = field()
    evaluation_error: str | None = field()


@model
class SubjectAccessReview:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="SubjectAccessReview")
    metadata: ObjectMeta | None = field()
    spec: SubjectAccessReviewSpec | None = field()
    status: SubjectAccessReviewStatus | None = field()


@model
class LocalSubjectAccessReview:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="LocalSubjectAccessReview")
    metadata: ObjectMeta | None = field()
    spec: SubjectAccessReviewSpec | None = field()
    status: SubjectAccessReviewStatus | None = field()


@model
class SelfSubjectAccessReview:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="SelfSubjectAccessReview")
    metadata: ObjectMeta | None = field()
    spec: SelfSubjectAccessReviewSpec | None = field()
    status: SubjectAccessReviewStatus | None = field()


@model
class SelfSubjectRulesReviewSpec:
    namespace: str | None = field()


@model
class ResourceRule:
    verbs: list[str] | None = field()
    api_groups: list[str] | None = field()
    resources: list[str] | None = field()
    resource_names: list[str] | None = field()


@model
class NonResourceRule:
    verbs: list[str] | None = field()
    non_resource_urls: list[str] | None = field(json="nonResourceURLs")


@model
class SubjectRulesReviewStatus:
    resource_rules: list[ResourceRule] | None = field()
    non_resource_rules: list[NonResourceRule] | None = field()
    incomplete: bool = field(default=False)
    evaluation_error: str | None = field()


@model
class SelfSubjectRulesReview:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="SelfSubjectRulesReview")
    metadata: ObjectMeta | None = field()
    spec: SelfSubjectRulesReviewSpec | None = field()
    status: SubjectRulesReviewStatus | None = field()


KINDS: tuple[type, ...] = (
    SubjectAccessReview,
    LocalSubjectAccessReview,
    SelfSubjectAccessReview,
    SelfSubjectRulesReview,
)
