"""The cloud provider conformance suite: each capability is either None or works.

Subclass it and provide a ``cloud`` fixture yielding a *started* provider. When the provider
supports instances, override :meth:`CloudConformance.launch_instance` to make an instance
exist and return the Node object that stands for it::

    class TestMockCloud(CloudConformance):
        @pytest_asyncio.fixture
        async def cloud(self):
            provider = MockCloud()
            await provider.start()
            yield provider
            await provider.close()

        async def launch_instance(self, cloud, name):
            instance = await cloud.launch(name)
            return self.node(name, provider_id=instance.provider_id)

Nodes and Services handed to the provider are ``microkube.api`` models built by
:meth:`CloudConformance.node` and :meth:`CloudConformance.service`.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from microkube.contracts.cloud import (
    CloudProvider,
    Instances,
    LoadBalancers,
    NodeAddress,
    Route,
    Routes,
)

ADDRESS_TYPES = {"InternalIP", "ExternalIP", "Hostname", "InternalDNS", "ExternalDNS"}


class CloudConformance:
    """Base class of a cloud provider's conformance tests (see the module docstring)."""

    pytestmark = pytest.mark.asyncio

    cluster_name: str = "conformance"

    async def launch_instance(self, cloud: CloudProvider, name: str) -> Any:
        """Make an instance named ``name`` run; return its Node. Override for clouds with
        instances."""
        raise NotImplementedError(
            f"{type(self).__name__} must override launch_instance(cloud, name)"
        )

    def node(self, name: str, provider_id: str = "") -> Any:
        from microkube.api import from_dict

        spec = {"providerID": provider_id} if provider_id else {}
        return from_dict(
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "spec": spec}
        )

    def service(self, namespace: str, name: str) -> Any:
        from microkube.api import from_dict

        return from_dict(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": name, "namespace": namespace, "uid": str(uuid.uuid4())},
                "spec": {
                    "type": "LoadBalancer",
                    "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}],
                },
            }
        )

    def _unique(self, stem: str) -> str:
        return f"{stem}-{uuid.uuid4().hex[:8]}"

    def _instances(self, cloud: CloudProvider) -> Instances:
        instances = cloud.instances()
        if instances is None:
            pytest.skip("the provider does not support instances")
        return instances

    def _balancers(self, cloud: CloudProvider) -> LoadBalancers:
        balancers = cloud.load_balancers()
        if balancers is None:
            pytest.skip("the provider does not support load balancers")
        return balancers

    def _routes(self, cloud: CloudProvider) -> Routes:
        routes = cloud.routes()
        if routes is None:
            pytest.skip("the provider does not support routes")
        return routes

    # -- the provider -------------------------------------------------------------------

    async def test_fulfils_protocol(self, cloud: CloudProvider) -> None:
        assert isinstance(cloud, CloudProvider)
        assert isinstance(cloud.provider_name, str) and cloud.provider_name

    async def test_capabilities_are_none_or_implemented(self, cloud: CloudProvider) -> None:
        for accessor, protocol in (
            (cloud.instances, Instances),
            (cloud.load_balancers, LoadBalancers),
            (cloud.routes, Routes),
        ):
            capability = accessor()
            assert capability is None or isinstance(capability, protocol), accessor.__name__
            assert (accessor() is None) == (capability is None), "support must not flicker"

    # -- instances ----------------------------------------------------------------------

    async def test_instance_exists_and_describes_itself(self, cloud: CloudProvider) -> None:
        instances = self._instances(cloud)
        node = await self.launch_instance(cloud, self._unique("node"))
        assert await instances.instance_exists(node) is True
        assert await instances.instance_shutdown(node) is False
        metadata = await instances.instance_metadata(node)
        assert metadata.provider_id
        assert metadata.addresses, "a node needs at least one address"
        for address in metadata.addresses:
            assert isinstance(address, NodeAddress)
            assert address.type in ADDRESS_TYPES and address.address

    async def test_unknown_instance_does_not_exist(self, cloud: CloudProvider) -> None:
        instances = self._instances(cloud)
        assert await instances.instance_exists(self.node(self._unique("ghost"))) is False

    # -- load balancers -----------------------------------------------------------------

    async def test_load_balancer_lifecycle(self, cloud: CloudProvider) -> None:
        balancers = self._balancers(cloud)
        service = self.service("default", self._unique("web"))
        nodes = [self.node("lb-node-1"), self.node("lb-node-2")]
        assert await balancers.get_load_balancer(self.cluster_name, service) == ((), False)
        ingress = await balancers.ensure_load_balancer(self.cluster_name, service, nodes)
        assert ingress and all(i.ip or i.hostname for i in ingress)
        assert await balancers.get_load_balancer(self.cluster_name, service) == (ingress, True)
        again = await balancers.ensure_load_balancer(self.cluster_name, service, nodes)
        assert again == ingress, "ensure_load_balancer must be idempotent"
        await balancers.update_load_balancer(self.cluster_name, service, nodes[:1])
        assert await balancers.get_load_balancer(self.cluster_name, service) == (ingress, True)
        await balancers.ensure_load_balancer_deleted(self.cluster_name, service)
        assert await balancers.get_load_balancer(self.cluster_name, service) == ((), False)
        await balancers.ensure_load_balancer_deleted(self.cluster_name, service)

    async def test_each_service_gets_its_own_balancer(self, cloud: CloudProvider) -> None:
        balancers = self._balancers(cloud)
        first = self.service("default", self._unique("a"))
        second = self.service("other", self._unique("b"))
        nodes = [self.node("lb-node-1")]
        try:
            one = await balancers.ensure_load_balancer(self.cluster_name, first, nodes)
            two = await balancers.ensure_load_balancer(self.cluster_name, second, nodes)
            assert set(one).isdisjoint(two)
            await balancers.ensure_load_balancer_deleted(self.cluster_name, first)
            assert await balancers.get_load_balancer(self.cluster_name, second) == (two, True)
        finally:
            for service in (first, second):
                await balancers.ensure_load_balancer_deleted(self.cluster_name, service)

    # -- routes -------------------------------------------------------------------------

    async def test_route_lifecycle(self, cloud: CloudProvider) -> None:
        routes = self._routes(cloud)
        target = self._unique("node")
        route = Route(name="", target_node=target, destination_cidr="10.244.77.0/24")
        await routes.create_route(self.cluster_name, f"{target}-route", route)
        mine = [r for r in await routes.list_routes(self.cluster_name) if r.target_node == target]
        assert [(r.target_node, r.destination_cidr) for r in mine] == [(target, "10.244.77.0/24")]
        assert mine[0].name, "listed routes carry their name"
        await routes.delete_route(self.cluster_name, mine[0])
        remaining = await routes.list_routes(self.cluster_name)
        assert all(r.target_node != target for r in remaining)
        await routes.delete_route(self.cluster_name, mine[0])

    async def test_routes_are_per_cluster(self, cloud: CloudProvider) -> None:
        routes = self._routes(cloud)
        target = self._unique("node")
        route = Route(name="", target_node=target, destination_cidr="10.244.78.0/24")
        await routes.create_route(self.cluster_name, f"{target}-route", route)
        try:
            elsewhere = await routes.list_routes(self.cluster_name + "-other")
            assert all(r.target_node != target for r in elsewhere)
        finally:
            for r in await routes.list_routes(self.cluster_name):
                if r.target_node == target:
                    await routes.delete_route(self.cluster_name, r)
