"""The cloud provider contract, as k8s.io/cloud-provider: optional capabilities.

A provider answers each capability accessor with an object, or with None when it does not
support that capability ("unsupported", never an exception), so the cloud controller manager
runs only the controllers the cloud can back.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import attrs


@attrs.frozen(kw_only=True)
class NodeAddress:
    type: str  # InternalIP, ExternalIP, Hostname, InternalDNS, ExternalDNS
    address: str


@attrs.frozen(kw_only=True)
class InstanceMetadata:
    provider_id: str
    instance_type: str = ""
    addresses: tuple[NodeAddress, ...] = ()
    zone: str = ""
    region: str = ""


@attrs.frozen(kw_only=True)
class LoadBalancerIngress:
    ip: str = ""
    hostname: str = ""


@attrs.frozen(kw_only=True)
class Route:
    name: str
    target_node: str
    destination_cidr: str


class CloudError(Exception):
    """A failure the provider reports; ``retryable`` ones are retried with back-off."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@runtime_checkable
class Instances(Protocol):
    async def instance_exists(self, node: Any) -> bool: ...

    async def instance_shutdown(self, node: Any) -> bool: ...

    async def instance_metadata(self, node: Any) -> InstanceMetadata: ...


@runtime_checkable
class LoadBalancers(Protocol):
    async def get_load_balancer(
        self, cluster_name: str, service: Any
    ) -> tuple[tuple[LoadBalancerIngress, ...], bool]:
        """The balancer's ingress and whether it exists."""

    async def ensure_load_balancer(
        self, cluster_name: str, service: Any, nodes: list[Any]
    ) -> tuple[LoadBalancerIngress, ...]: ...

    async def update_load_balancer(
        self, cluster_name: str, service: Any, nodes: list[Any]
    ) -> None: ...

    async def ensure_load_balancer_deleted(self, cluster_name: str, service: Any) -> None: ...


@runtime_checkable
class Routes(Protocol):
    async def list_routes(self, cluster_name: str) -> list[Route]: ...

    async def create_route(self, cluster_name: str, name_hint: str, route: Route) -> None: ...

    async def delete_route(self, cluster_name: str, route: Route) -> None: ...


@runtime_checkable
class CloudProvider(Protocol):
    @property
    def provider_name(self) -> str: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def instances(self) -> Instances | None: ...

    def load_balancers(self) -> LoadBalancers | None: ...

    def routes(self) -> Routes | None: ...
