"""A node and an outside client (test-made network namespaces, see
:mod:`microkube.testing.node_network`) shared by this directory's tests, and a started
nftables proxy programming the node (closed after each test: its table is removed)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import microkube_proxy_nftables
import pytest

from microkube.contracts import FactoryContext
from microkube.plugins import registry_for
from microkube.testing.conformance.proxy import ServiceProxyConformance
from microkube.testing.netns import NetNamespace
from microkube.testing.node_network import NodeNetwork
from microkube.testing.proxy_probe import TrafficProbe

POD_NET = ServiceProxyConformance.pod_net


@pytest.fixture(scope="session")
def network() -> Iterator[NodeNetwork]:
    with NodeNetwork([f"{POD_NET}.{n}" for n in range(1, 10)]) as network:
        assert network.node_ip in ServiceProxyConformance.node_ips
        yield network


@pytest.fixture(scope="session")
def netns(network: NodeNetwork) -> NetNamespace:
    """The node."""
    return network.node


@pytest.fixture(scope="session")
def probe(network: NodeNetwork) -> TrafficProbe:
    """Connections from the node itself."""
    assert network.probe is not None
    return network.probe


@pytest.fixture
async def nft_proxy(netns: NetNamespace, tmp_path) -> AsyncIterator[object]:
    factory = registry_for(microkube_proxy_nftables).select("microkube_service_proxies", "nftables")
    proxy = factory(
        FactoryContext(
            data_dir=tmp_path,
            options={"netns": netns.path},
            node_name=ServiceProxyConformance.node_name,
        )
    )
    await proxy.start()
    yield proxy
    await proxy.close()
