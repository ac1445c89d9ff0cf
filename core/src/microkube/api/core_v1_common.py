"""core/v1 building blocks shared by many kinds: object references, selectors, resources."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.quantity import Quantity


@model
class ObjectReference:
    kind: str | None = field()
    namespace: str | None = field()
    name: str | None = field()
    uid: str | None = field()
    api_version: str | None = field()
    resource_version: str | None = field()
    field_path: str | None = field()


@model
class LocalObjectReference:
    name: str | None = field()


@model
class TypedLocalObjectReference:
    api_group: str | None = field()
    kind: str | None = field()
    name: str | None = field()


@model
class TypedObjectReference:
    api_group: str | None = field()
    kind: str | None = field()
    name: str | None = field()
    namespace: str | None = field()


@model
class SecretReference:
    name: str | None = field()
    namespace: str | None = field()


@model
class KeyToPath:
    key: str | None = field()
    path: str | None = field()
    mode: int | None = field()


@model
class ObjectFieldSelector:
    api_version: str | None = field()
    field_path: str | None = field()


@model
class ResourceFieldSelector:
    container_name: str | None = field()
    resource: str | None = field()
    divisor: Quantity | None = field()


@model
class ResourceClaim:
    name: str | None = field()
    request: str | None = field()


@model
class ResourceRequirements:
    limits: dict[str, Quantity] | None = field()
    requests: dict[str, Quantity] | None = field()
    claims: list[ResourceClaim] | None = field()


@model
class VolumeResourceRequirements:
    limits: dict[str, Quantity] | None = field()
    requests: dict[str, Quantity] | None = field()
