"""An in-memory cloud: instances in zones, load balancers with IPs from a pool, routes.

Every capability can be switched off (its accessor then returns None, "unsupported"), so the
cloud controller manager's handling of partial clouds can be tested. Instances are created and
ended by the test (:meth:`FakeCloud.add_instance`, :meth:`FakeCloud.shutdown_instance`,
:meth:`FakeCloud.terminate_instance`). All capability objects share the cloud's call log.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import attrs

from microkube.contracts.cloud import (
    CloudError,
    InstanceMetadata,
    LoadBalancerIngress,
    NodeAddress,
    Route,
)
from microkube.testing.fakes._objects import name_of, namespace_of, provider_id_of
from microkube.testing.recording import Recorded, recorded


@attrs.define
class FakeInstance:
    name: str
    provider_id: str
    instance_type: str
    zone: str
    region: str
    addresses: tuple[NodeAddress, ...]
    state: str = "running"  # running | stopped | terminated


@attrs.define
class FakeLoadBalancer:
    cluster_name: str
    namespace: str
    name: str
    ip: str
    nodes: tuple[str, ...] = ()


class _Capability(Recorded):
    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud
        self.__dict__["_recorder"] = cloud.recorder


class FakeInstances(_Capability):
    @recorded
    async def instance_exists(self, node: Any) -> bool:
        instance = self.cloud.find_instance(node)
        return instance is not None and instance.state != "terminated"

    @recorded
    async def instance_shutdown(self, node: Any) -> bool:
        return self.cloud.instance_for(node).state == "stopped"

    @recorded
    async def instance_metadata(self, node: Any) -> InstanceMetadata:
        instance = self.cloud.instance_for(node)
        return InstanceMetadata(
            provider_id=instance.provider_id,
            instance_type=instance.instance_type,
            addresses=instance.addresses,
            zone=instance.zone,
            region=instance.region,
        )


class FakeLoadBalancers(_Capability):
    @recorded
    async def get_load_balancer(
        self, cluster_name: str, service: Any
    ) -> tuple[tuple[LoadBalancerIngress, ...], bool]:
        lb = self.cloud.load_balancer_for(cluster_name, service)
        return ((LoadBalancerIngress(ip=lb.ip),), True) if lb else ((), False)

    @recorded
    async def ensure_load_balancer(
        self, cluster_name: str, service: Any, nodes: list[Any]
    ) -> tuple[LoadBalancerIngress, ...]:
        cloud = self.cloud
        lb = cloud.load_balancer_for(cluster_name, service)
        if lb is None:
            lb = FakeLoadBalancer(
                cluster_name, namespace_of(service), name_of(service), cloud.allocate_ip()
            )
            cloud.balancers[(cluster_name, lb.namespace, lb.name)] = lb
        lb.nodes = tuple(sorted(name_of(n) for n in nodes))
        return (LoadBalancerIngress(ip=lb.ip),)

    @recorded
    async def update_load_balancer(self, cluster_name: str, service: Any, nodes: list[Any]) -> None:
        lb = self.cloud.load_balancer_for(cluster_name, service)
        if lb is None:
            raise CloudError(
                f"no load balancer for {namespace_of(service)}/{name_of(service)}", retryable=False
            )
        lb.nodes = tuple(sorted(name_of(n) for n in nodes))

    @recorded
    async def ensure_load_balancer_deleted(self, cluster_name: str, service: Any) -> None:
        # Its IP returns to the pool: allocation skips only IPs that balancers hold.
        self.cloud.balancers.pop((cluster_name, namespace_of(service), name_of(service)), None)


class FakeRoutes(_Capability):
    @recorded
    async def list_routes(self, cluster_name: str) -> list[Route]:
        routes = self.cloud.routes_by_cluster.get(cluster_name, {})
        return [routes[name] for name in sorted(routes)]

    @recorded
    async def create_route(self, cluster_name: str, name_hint: str, route: Route) -> None:
        routes = self.cloud.routes_by_cluster.setdefault(cluster_name, {})
        for existing in routes.values():
            if (
                existing.destination_cidr == route.destination_cidr
                and existing.target_node != route.target_node
            ):
                raise CloudError(
                    f"{route.destination_cidr} already routes to {existing.target_node}",
                    retryable=False,
                )
        name = name_hint or route.name
        routes[name] = attrs.evolve(route, name=name)

    @recorded
    async def delete_route(self, cluster_name: str, route: Route) -> None:
        routes = self.cloud.routes_by_cluster.get(cluster_name, {})
        routes.pop(route.name, None)


class FakeCloud(Recorded):
    """A :class:`~microkube.contracts.cloud.CloudProvider` in memory.

    ``instances``/``load_balancers``/``routes`` switch capabilities off; ``zones=False`` makes
    a cloud without zones (instance metadata carries no zone or region); ``lb_pool`` is where
    load-balancer IPs come from.
    """

    def __init__(
        self,
        name: str = "fake",
        *,
        instances: bool = True,
        load_balancers: bool = True,
        routes: bool = True,
        zones: bool = True,
        region: str = "fake-region-1",
        zone_names: tuple[str, ...] = ("fake-region-1a", "fake-region-1b"),
        lb_pool: str = "192.0.2.0/24",
        node_network: str = "10.0.0.0/16",
    ) -> None:
        self.name = name
        self.region = region if zones else ""
        self.zone_names = zone_names if zones else ("",)
        self.instance_table: dict[str, FakeInstance] = {}
        self.balancers: dict[tuple[str, str, str], FakeLoadBalancer] = {}
        self.routes_by_cluster: dict[str, dict[str, Route]] = {}
        self.started = False
        self._lb_ips = [str(ip) for ip in ipaddress.ip_network(lb_pool).hosts()]
        self._node_ips = (str(ip) for ip in ipaddress.ip_network(node_network).hosts())
        self._instances = FakeInstances(self) if instances else None
        self._load_balancers = FakeLoadBalancers(self) if load_balancers else None
        self._routes = FakeRoutes(self) if routes else None

    # -- test hooks ---------------------------------------------------------------------

    def add_instance(
        self,
        name: str,
        *,
        instance_type: str = "fake.small",
        zone: str | None = None,
        addresses: tuple[NodeAddress, ...] | None = None,
    ) -> FakeInstance:
        """Launch an instance (zones assigned round-robin unless given)."""
        if name in self.instance_table and self.instance_table[name].state != "terminated":
            raise ValueError(f"instance {name} exists")
        if zone is None:
            zone = self.zone_names[len(self.instance_table) % len(self.zone_names)]
        if addresses is None:
            addresses = (
                NodeAddress(type="InternalIP", address=next(self._node_ips)),
                NodeAddress(type="Hostname", address=name),
            )
        instance = FakeInstance(
            name=name,
            provider_id=f"{self.name}://{self.region}/{zone}/{name}",
            instance_type=instance_type,
            zone=zone,
            region=self.region,
            addresses=addresses,
        )
        self.instance_table[name] = instance
        return instance

    def shutdown_instance(self, name: str) -> None:
        self.instance_table[name].state = "stopped"

    def terminate_instance(self, name: str) -> None:
        self.instance_table[name].state = "terminated"

    def find_instance(self, node: Any) -> FakeInstance | None:
        """The instance behind a Node (by providerID, else by name)."""
        provider_id = provider_id_of(node)
        if provider_id:
            return next(
                (i for i in self.instance_table.values() if i.provider_id == provider_id), None
            )
        return self.instance_table.get(name_of(node))

    def instance_for(self, node: Any) -> FakeInstance:
        instance = self.find_instance(node)
        if instance is None or instance.state == "terminated":
            raise CloudError(f"instance for node {name_of(node)} not found", retryable=False)
        return instance

    def load_balancer_for(self, cluster_name: str, service: Any) -> FakeLoadBalancer | None:
        return self.balancers.get((cluster_name, namespace_of(service), name_of(service)))

    def allocate_ip(self) -> str:
        used = {lb.ip for lb in self.balancers.values()}
        for ip in self._lb_ips:
            if ip not in used:
                return ip
        raise CloudError("load-balancer IP pool exhausted", retryable=True)

    # -- the contract -------------------------------------------------------------------

    @property
    def provider_name(self) -> str:
        return self.name

    @recorded
    async def start(self) -> None:
        self.started = True

    @recorded
    async def close(self) -> None:
        self.started = False

    def instances(self) -> FakeInstances | None:
        return self._instances

    def load_balancers(self) -> FakeLoadBalancers | None:
        return self._load_balancers

    def routes(self) -> FakeRoutes | None:
        return self._routes
