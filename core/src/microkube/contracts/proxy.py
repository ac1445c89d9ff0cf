"""The service proxy contract: desired state (Services + EndpointSlices) in, rules out.

kube-proxy flattens Services and EndpointSlices into one entry per service port and hands the
backend either the whole state (``sync``) or only what changed (``update``). A backend programs
nftables/iptables rules or runs a userspace proxy; it never reads the API itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, runtime_checkable

import attrs


@attrs.frozen(order=True)
class ServicePortName:
    namespace: str
    name: str
    port: str = ""  # the ServicePort's name; "" for an unnamed single port

    def __str__(self) -> str:
        base = f"{self.namespace}/{self.name}"
        return f"{base}:{self.port}" if self.port else base


@attrs.frozen(kw_only=True)
class ServicePortInfo:
    cluster_ips: tuple[str, ...]
    port: int
    protocol: str = "TCP"
    node_port: int = 0
    external_ips: tuple[str, ...] = ()
    load_balancer_ips: tuple[str, ...] = ()
    #: spec.loadBalancerSourceRanges (CIDRs); empty = traffic to load-balancer IPs from anywhere.
    load_balancer_source_ranges: tuple[str, ...] = ()
    #: sessionAffinity ClientIP timeout in seconds; 0 = no affinity.
    session_affinity_seconds: int = 0
    internal_traffic_local: bool = False
    external_traffic_local: bool = False
    health_check_node_port: int = 0


@attrs.frozen(kw_only=True)
class Endpoint:
    ip: str
    port: int
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    node_name: str = ""
    zone: str = ""

    @property
    def usable(self) -> bool:
        """Whether this endpoint receives traffic while any endpoint of its service is ready.
        (When none is, backends fall back to serving-and-terminating endpoints, as kube-proxy
        does; that decision needs the whole set, so it is the backend's.)"""
        return self.ready


def usable_endpoints(endpoints: Iterable[Endpoint]) -> tuple[Endpoint, ...]:
    """The endpoints that get traffic, as kube-proxy chooses them: the ready ones or, when none
    is ready, the serving terminating ones (so a rollout drains instead of failing). For a Local
    traffic policy pass only this node's endpoints."""
    endpoints = tuple(endpoints)
    ready = tuple(e for e in endpoints if e.ready)
    if ready:
        return ready
    return tuple(e for e in endpoints if e.serving and e.terminating)


@attrs.frozen(kw_only=True)
class ServiceState:
    info: ServicePortInfo
    endpoints: tuple[Endpoint, ...] = ()


@attrs.frozen(kw_only=True)
class ProxyState:
    """Everything a backend programs, for the node ``node_name``."""

    node_name: str
    node_ips: tuple[str, ...] = ()
    services: Mapping[ServicePortName, ServiceState] = attrs.field(factory=dict)


@runtime_checkable
class ServiceProxy(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None:
        """Remove everything the backend programmed."""

    async def sync(self, state: ProxyState) -> None:
        """Make the programmed rules exactly ``state``."""

    async def update(self, changes: Mapping[ServicePortName, ServiceState | None]) -> None:
        """Apply changed service ports; None removes one. Only called after a first sync."""
