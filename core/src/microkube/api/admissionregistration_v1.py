"""admissionregistration.k8s.io/v1: the admission webhooks the API server calls on writes
(ValidatingWebhookConfiguration, MutatingWebhookConfiguration)."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.meta_v1 import LabelSelector, ListMeta, ObjectMeta

GROUP_VERSION = "admissionregistration.k8s.io/v1"


@model
class ServiceReference:
    namespace: str | None = field()
    name: str | None = field()
    path: str | None = field()
    port: int | None = field()


@model
class WebhookClientConfig:
    url: str | None = field()
    service: ServiceReference | None = field()
    # PEM bundle, base64 in JSON: the CA that signed the webhook's serving certificate
    ca_bundle: str | None = field()


@model
class RuleWithOperations:
    operations: list[str] | None = field()  # CREATE, UPDATE, DELETE, CONNECT or *
    api_groups: list[str] | None = field()
    api_versions: list[str] | None = field()
    resources: list[str] | None = field()
    scope: str | None = field()  # Cluster, Namespaced or * (the default)


@model
class MatchCondition:
    name: str | None = field()
    expression: str | None = field()


@model
class ValidatingWebhook:
    name: str | None = field()
    client_config: WebhookClientConfig | None = field()
    rules: list[RuleWithOperations] | None = field()
    failure_policy: str | None = field()  # Fail (default) or Ignore
    match_policy: str | None = field()
    namespace_selector: LabelSelector | None = field()
    object_selector: LabelSelector | None = field()
    side_effects: str | None = field()
    timeout_seconds: int | None = field()
    admission_review_versions: list[str] | None = field()
    match_conditions: list[MatchCondition] | None = field()


@model
class MutatingWebhook:
    name: str | None = field()
    client_config: WebhookClientConfig | None = field()
    rules: list[RuleWithOperations] | None = field()
    failure_policy: str | None = field()
    match_policy: str | None = field()
    namespace_selector: LabelSelector | None = field()
    object_selector: LabelSelector | None = field()
    side_effects: str | None = field()
    timeout_seconds: int | None = field()
    admission_review_versions: list[str] | None = field()
    reinvocation_policy: str | None = field()
    match_conditions: list[MatchCondition] | None = field()


@model
class ValidatingWebhookConfiguration:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ValidatingWebhookConfiguration")
    metadata: ObjectMeta | None = field()
    webhooks: list[ValidatingWebhook] | None = field()


@model
class ValidatingWebhookConfigurationList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ValidatingWebhookConfigurationList")
    metadata: ListMeta | None = field()
    items: list[ValidatingWebhookConfiguration] | None = field()


@model
class MutatingWebhookConfiguration:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="MutatingWebhookConfiguration")
    metadata: ObjectMeta | None = field()
    webhooks: list[MutatingWebhook] | None = field()


@model
class MutatingWebhookConfigurationList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="MutatingWebhookConfigurationList")
    metadata: ListMeta | None = field()
    items: list[MutatingWebhookConfiguration] | None = field()


KINDS: tuple[type, ...] = (
    ValidatingWebhookConfiguration,
    ValidatingWebhookConfigurationList,
    MutatingWebhookConfiguration,
    MutatingWebhookConfigurationList,
)
