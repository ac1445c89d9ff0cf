"""core/v1 Namespace, ConfigMap, Secret and ServiceAccount."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.core_v1_common import LocalObjectReference, ObjectReference
from microkube.api.meta_v1 import ListMeta, ObjectMeta, Time

GROUP_VERSION = "v1"

# --- Namespace --------------------------------------------------------------------------------


@model
class NamespaceSpec:
    finalizers: list[str] | None = field()


@model
class NamespaceCondition:
    type: str | None = field()
    status: str | None = field()
    last_transition_time: Time | None = field()
    reason: str | None = field()
    message: str | None = field()


@model
class NamespaceStatus:
    phase: str | None = field()  # Active, Terminating
    conditions: list[NamespaceCondition] | None = field()


@model
class Namespace:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Namespace")
    metadata: ObjectMeta | None = field()
    spec: NamespaceSpec | None = field()
    status: NamespaceStatus | None = field()


@model
class NamespaceList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="NamespaceList")
    metadata: ListMeta | None = field()
    items: list[Namespace] | None = field()


# --- ConfigMap and Secret ---------------------------------------------------------------------


@model
class ConfigMap:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ConfigMap")
    metadata: ObjectMeta | None = field()
    immutable: bool | None = field()
    data: dict[str, str] | None = field()
    binary_data: dict[str, str] | None = field()  # base64, kept as the string sent


@model
class ConfigMapList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ConfigMapList")
    metadata: ListMeta | None = field()
    items: list[ConfigMap] | None = field()


@model
class Secret:
    """A Secret; ``data`` values are base64 strings, kept exactly as sent."""

    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Secret")
    metadata: ObjectMeta | None = field()
    immutable: bool | None = field()
    data: dict[str, str] | None = field()
    string_data: dict[str, str] | None = field()  # write-only plain text, merged into data
    type: str | None = field()  # Opaque, kubernetes.io/tls, kubernetes.io/dockerconfigjson, ...


@model
class SecretList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="SecretList")
    metadata: ListMeta | None = field()
    items: list[Secret] | None = field()


# --- ServiceAccount ---------------------------------------------------------------------------


@model
class ServiceAccount:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ServiceAccount")
    metadata: ObjectMeta | None = field()
    secrets: list[ObjectReference] | None = field()
    image_pull_secrets: list[LocalObjectReference] | None = field()
    automount_service_account_token: bool | None = field()


@model
class ServiceAccountList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ServiceAccountList")
    metadata: ListMeta | None = field()
    items: list[ServiceAccount] | None = field()
