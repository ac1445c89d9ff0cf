"""discovery.k8s.io/v1: EndpointSlice, the scalable successor of core/v1 Endpoints."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.core_v1 import ObjectReference
from microkube.api.meta_v1 import ListMeta, ObjectMeta

GROUP_VERSION = "discovery.k8s.io/v1"


@model
class EndpointConditions:
    ready: bool | None = field()
    serving: bool | None = field()
    terminating: bool | None = field()


@model
class ForZone:
    name: str | None = field()


@model
class EndpointHints:
    for_zones: list[ForZone] | None = field()


@model
class Endpoint:
    addresses: list[str] | None = field()
    conditions: EndpointConditions | None = field()
    hostname: str | None = field()
    target_ref: ObjectReference | None = field()
    # Deprecated since discovery.k8s.io/v1; still served and round-tripped.
    deprecated_topology: dict[str, str] | None = field()
    node_name: str | None = field()
    zone: str | None = field()
    hints: EndpointHints | None = field()


@model
class EndpointPort:
    name: str | None = field()
    protocol: str | None = field()
    port: int | None = field()
    app_protocol: str | None = field()


@model
class EndpointSlice:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="EndpointSlice")
    metadata: ObjectMeta | None = field()
    address_type: str | None = field()  # "IPv4", "IPv6" or "FQDN"
    endpoints: list[Endpoint] | None = field()
    ports: list[EndpointPort] | None = field()


@model
class EndpointSliceList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="EndpointSliceList")
    metadata: ListMeta | None = field()
    items: list[EndpointSlice] | None = field()


KINDS: tuple[type, ...] = (EndpointSlice, EndpointSliceList)
