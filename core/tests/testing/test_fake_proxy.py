"""FakeServiceProxy: the proxy conformance suite, and the endpoint resolution it relies on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from microkube.contracts.proxy import (
    Endpoint,
    ProxyState,
    ServicePortInfo,
    ServicePortName,
    ServiceProxy,
    ServiceState,
)
from microkube.testing.conformance.proxy import Backends, ServiceProxyConformance
from microkube.testing.fakes.proxy import FakeServiceProxy, resolve_endpoints, usable_endpoints


class TestFakeProxyConformance(ServiceProxyConformance):
    @pytest.fixture
    async def proxy(self) -> AsyncIterator[FakeServiceProxy]:
        proxy = FakeServiceProxy(self.node_name)
        await proxy.start()
        yield proxy
        await proxy.close()

    async def resolve(
        self, proxy: ServiceProxy, address: str, port: int, protocol: str
    ) -> Backends:
        assert isinstance(proxy, FakeServiceProxy)
        return {(e.ip, e.port) for e in proxy.resolve(address, port, protocol)}


WEB = ServicePortName("default", "web")


def state(*endpoints: Endpoint, **info: object) -> ProxyState:
    return ProxyState(
        node_name="n1",
        node_ips=("192.168.1.1",),
        services={
            WEB: ServiceState(
                info=ServicePortInfo(cluster_ips=("10.96.0.10",), port=80, **info),  # type: ignore[arg-type]
                endpoints=endpoints,
            )
        },
    )


async def test_update_before_sync_is_an_error() -> None:
    proxy = FakeServiceProxy()
    await proxy.start()
    with pytest.raises(RuntimeError, match="sync"):
        await proxy.update({WEB: None})
    assert not proxy.synced and proxy.services == {}


async def test_programmed_state_is_kept() -> None:
    proxy = FakeServiceProxy()
    desired = state(Endpoint(ip="10.244.0.5", port=8080))
    await proxy.sync(desired)
    assert proxy.synced and proxy.services == desired.services
    assert [c.method for c in proxy.calls] == ["sync"]


def test_unknown_address_resolves_to_none_and_known_empty_to_empty() -> None:
    assert resolve_endpoints(state(), "10.96.0.99", 80) is None
    assert resolve_endpoints(state(), "10.96.0.10", 80) == ()


def test_local_policy_falls_back_to_local_terminating_endpoints() -> None:
    remote_ready = Endpoint(ip="10.0.0.1", port=1, node_name="n2")
    local_draining = Endpoint(
        ip="10.0.0.2", port=1, node_name="n1", ready=False, serving=True, terminating=True
    )
    resolved = resolve_endpoints(
        state(remote_ready, local_draining, internal_traffic_local=True), "10.96.0.10", 80
    )
    assert resolved == (local_draining,)


def test_node_port_only_on_node_ips() -> None:
    s = state(Endpoint(ip="10.0.0.1", port=1), node_port=30000)
    assert resolve_endpoints(s, "192.168.1.1", 30000) == (Endpoint(ip="10.0.0.1", port=1),)
    assert resolve_endpoints(s, "192.168.1.2", 30000) is None


def test_usable_endpoints_prefers_ready() -> None:
    ready = Endpoint(ip="a", port=1)
    draining = Endpoint(ip="b", port=1, ready=False, terminating=True)
    assert usable_endpoints([ready, draining]) == (ready,)
    assert usable_endpoints([draining]) == (draining,)
    assert usable_endpoints([Endpoint(ip="c", port=1, ready=False, serving=False)]) == ()
