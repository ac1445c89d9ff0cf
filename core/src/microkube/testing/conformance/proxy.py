"""The service proxy conformance suite: what traffic reaches after sync and update.

A backend's effect is observable only through where connections go, so a subclass provides
two things: a ``proxy`` fixture yielding a *started* backend, and :meth:`resolve`, which
answers where a new connection to ``address:port/protocol`` would be sent, as a set of
``(endpoint ip, port)`` pairs (empty: rejected or dropped). A kernel backend answers it by
reading back its rules or by sending traffic in a namespace
(:class:`microkube.testing.proxy_probe.TrafficProbe`); the fake answers it directly::

    class TestNftables(ServiceProxyConformance):
        @pytest.fixture
        async def proxy(self, netns, probe):  # the backend, programming ``netns``
            self.probe = probe
            ...

        async def resolve(self, proxy, address, port, protocol):
            return await self.probe.resolve(address, port, protocol)

The addresses used are class attributes (``node_name``, ``node_ips``, ``service_net``,
``pod_net``) so they can be moved to ranges a test network routes.
"""

from __future__ import annotations

import pytest

from microkube.contracts.proxy import (
    Endpoint,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
    ServiceProxy,
    ServiceState,
)

Backends = set[tuple[str, int]]


class ServiceProxyConformance:
    """Base class of a service proxy backend's conformance tests (see the module docstring)."""

    pytestmark = pytest.mark.asyncio

    node_name: str = "node-a"
    other_node: str = "node-b"
    node_ips: tuple[str, ...] = ("192.168.50.10",)
    #: First three octets of Service cluster IPs and of pod (endpoint) IPs.
    service_net: str = "10.96.50"
    pod_net: str = "10.244.50"

    async def resolve(
        self, proxy: ServiceProxy, address: str, port: int, protocol: str
    ) -> Backends:
        """Where a new connection to ``address:port/protocol`` goes: override this."""
        raise NotImplementedError(
            f"{type(self).__name__} must override resolve(proxy, address, port, protocol)"
        )

    # -- builders -----------------------------------------------------------------------

    def cluster_ip(self, n: int) -> str:
        return f"{self.service_net}.{n}"

    def endpoint(self, n: int, port: int = 8080, **fields: object) -> Endpoint:
        fields.setdefault("node_name", self.node_name)
        return Endpoint(ip=f"{self.pod_net}.{n}", port=port, **fields)  # type: ignore[arg-type]

    def service(
        self, n: int, endpoints: tuple[Endpoint, ...], *, port: int = 80, **info: object
    ) -> ServiceState:
        return ServiceState(
            info=ServicePortInfo(cluster_ips=(self.cluster_ip(n),), port=port, **info),  # type: ignore[arg-type]
            endpoints=endpoints,
        )

    def state(self, services: dict[ServicePortName, ServiceState]) -> ProxyState:
        return ProxyState(node_name=self.node_name, node_ips=self.node_ips, services=services)

    async def backends(
        self, proxy: ServiceProxy, n: int, port: int = 80, proto: str = "TCP"
    ) -> Backends:
        return await self.resolve(proxy, self.cluster_ip(n), port, proto)

    # -- tests --------------------------------------------------------------------------

    async def test_fulfils_protocol(self, proxy: ServiceProxy) -> None:
        assert isinstance(proxy, ServiceProxy)

    async def test_sync_programs_cluster_ips(self, proxy: ServiceProxy) -> None:
        web = ServicePortName("default", "web")
        api = ServicePortName("default", "api")
        await proxy.sync(
            self.state(
                {
                    web: self.service(1, (self.endpoint(1), self.endpoint(2))),
                    api: self.service(2, (self.endpoint(3, port=9000),), port=443),
                }
            )
        )
        assert await self.backends(proxy, 1) == {
            (f"{self.pod_net}.1", 8080),
            (f"{self.pod_net}.2", 8080),
        }
        assert await self.backends(proxy, 2, port=443) == {(f"{self.pod_net}.3", 9000)}
        assert await self.backends(proxy, 2, port=80) == set()

    async def test_ports_and_protocols_are_distinct(self, proxy: ServiceProxy) -> None:
        ip = (self.cluster_ip(3),)
        dns = ServicePortName("kube-system", "dns", "dns")
        dns_tcp = ServicePortName("kube-system", "dns", "dns-tcp")
        metrics = ServicePortName("kube-system", "dns", "metrics")
        await proxy.sync(
            self.state(
                {
                    dns: ServiceState(
                        info=ServicePortInfo(cluster_ips=ip, port=53, protocol="UDP"),
                        endpoints=(self.endpoint(1, port=1053),),
                    ),
                    dns_tcp: ServiceState(
                        info=ServicePortInfo(cluster_ips=ip, port=53, protocol="TCP"),
                        endpoints=(self.endpoint(1, port=2053),),
                    ),
                    metrics: ServiceState(
                        info=ServicePortInfo(cluster_ips=ip, port=9153),
                        endpoints=(self.endpoint(1, port=9153),),
                    ),
                }
            )
        )
        pod = f"{self.pod_net}.1"
        assert await self.backends(proxy, 3, 53, "UDP") == {(pod, 1053)}
        assert await self.backends(proxy, 3, 53, "TCP") == {(pod, 2053)}
        assert await self.backends(proxy, 3, 9153, "TCP") == {(pod, 9153)}
        assert await self.backends(proxy, 3, 9153, "UDP") == set()

    async def test_not_ready_endpoints_get_no_traffic(self, proxy: ServiceProxy) -> None:
        name = ServicePortName("default", "web")
        endpoints = (self.endpoint(1), self.endpoint(2, ready=False, serving=False))
        await proxy.sync(self.state({name: self.service(1, endpoints)}))
        assert await self.backends(proxy, 1) == {(f"{self.pod_net}.1", 8080)}

    async def test_terminating_serving_endpoints_are_a_fallback(self, proxy: ServiceProxy) -> None:
        name = ServicePortName("default", "web")
        draining = self.endpoint(2, ready=False, serving=True, terminating=True)
        gone = self.endpoint(3, ready=False, serving=False, terminating=True)
        await proxy.sync(self.state({name: self.service(1, (self.endpoint(1), draining, gone))}))
        assert await self.backends(proxy, 1) == {(f"{self.pod_net}.1", 8080)}
        await proxy.update({name: self.service(1, (draining, gone))})
        assert await self.backends(proxy, 1) == {(f"{self.pod_net}.2", 8080)}
        await proxy.update({name: self.service(1, (gone,))})
        assert await self.backends(proxy, 1) == set()

    async def test_service_without_endpoints_gets_nowhere(self, proxy: ServiceProxy) -> None:
        await proxy.sync(self.state({ServicePortName("default", "empty"): self.service(4, ())}))
        assert await self.backends(proxy, 4) == set()

    async def test_sync_replaces_everything(self, proxy: ServiceProxy) -> None:
        old = ServicePortName("default", "old")
        new = ServicePortName("default", "new")
        await proxy.sync(self.state({old: self.service(1, (self.endpoint(1),))}))
        await proxy.sync(self.state({new: self.service(2, (self.endpoint(2),))}))
        assert await self.backends(proxy, 1) == set()
        assert await self.backends(proxy, 2) == {(f"{self.pod_net}.2", 8080)}

    async def test_sync_is_idempotent(self, proxy: ServiceProxy) -> None:
        state = self.state(
            {ServicePortName("default", "web"): self.service(1, (self.endpoint(1),))}
        )
        await proxy.sync(state)
        await proxy.sync(state)
        assert await self.backends(proxy, 1) == {(f"{self.pod_net}.1", 8080)}

    async def test_update_adds_changes_and_removes(self, proxy: ServiceProxy) -> None:
        keep = ServicePortName("default", "keep")
        added = ServicePortName("default", "added")
        await proxy.sync(self.state({keep: self.service(1, (self.endpoint(1),))}))
        await proxy.update({added: self.service(2, (self.endpoint(2),))})
        assert await self.backends(proxy, 2) == {(f"{self.pod_net}.2", 8080)}
        await proxy.update({added: self.service(2, (self.endpoint(3), self.endpoint(4)))})
        assert await self.backends(proxy, 2) == {
            (f"{self.pod_net}.3", 8080),
            (f"{self.pod_net}.4", 8080),
        }
        await proxy.update({added: None})
        assert await self.backends(proxy, 2) == set()
        assert await self.backends(proxy, 1) == {(f"{self.pod_net}.1", 8080)}

    async def test_internal_traffic_local(self, proxy: ServiceProxy) -> None:
        name = ServicePortName("default", "local")
        mine = self.endpoint(1)
        theirs = self.endpoint(2, node_name=self.other_node)
        await proxy.sync(
            self.state({name: self.service(1, (mine, theirs), internal_traffic_local=True)})
        )
        assert await self.backends(proxy, 1) == {(f"{self.pod_net}.1", 8080)}
        await proxy.update({name: self.service(1, (theirs,), internal_traffic_local=True)})
        assert await self.backends(proxy, 1) == set()

    async def test_node_port_and_external_traffic_policy(self, proxy: ServiceProxy) -> None:
        cluster = ServicePortName("default", "np-cluster")
        local = ServicePortName("default", "np-local")
        mine = self.endpoint(1)
        theirs = self.endpoint(2, node_name=self.other_node)
        await proxy.sync(
            self.state(
                {
                    cluster: self.service(1, (mine, theirs), node_port=30080),
                    local: self.service(
                        2, (mine, theirs), node_port=30081, external_traffic_local=True
                    ),
                }
            )
        )
        node_ip = self.node_ips[0]
        both = {(f"{self.pod_net}.1", 8080), (f"{self.pod_net}.2", 8080)}
        assert await self.resolve(proxy, node_ip, 30080, "TCP") == both
        assert await self.resolve(proxy, node_ip, 30081, "TCP") == {(f"{self.pod_net}.1", 8080)}
        # External policy does not restrict in-cluster traffic to the cluster IP.
        assert await self.backends(proxy, 2) == both

    async def test_external_and_load_balancer_ips(self, proxy: ServiceProxy) -> None:
        name = ServicePortName("default", "lb")
        await proxy.sync(
            self.state(
                {
                    name: self.service(
                        1,
                        (self.endpoint(1),),
                        external_ips=("203.0.113.10",),
                        load_balancer_ips=("198.51.100.7",),
                    )
                }
            )
        )
        expected = {(f"{self.pod_net}.1", 8080)}
        assert await self.resolve(proxy, "203.0.113.10", 80, "TCP") == expected
        assert await self.resolve(proxy, "198.51.100.7", 80, "TCP") == expected
        assert await self.resolve(proxy, "198.51.100.7", 81, "TCP") == set()

    async def test_close_removes_everything(self, proxy: ServiceProxy) -> None:
        name = ServicePortName("default", "web")
        await proxy.sync(self.state({name: self.service(1, (self.endpoint(1),))}))
        await proxy.close()
        assert await self.backends(proxy, 1) == set()
