"""The nftables backend passes the service proxy conformance suite with real traffic between
test-made network namespaces (both engines: libnftables in-process and the nft CLI): cluster
IPs probed from the node, node ports and external addresses from an outside client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from microkube_proxy_nftables.backend import NftablesProxy
from microkube_proxy_nftables.options import NftablesOptions

from microkube.contracts.proxy import ServiceProxy
from microkube.testing.conformance.proxy import Backends, ServiceProxyConformance


class TestNftablesConformance(ServiceProxyConformance):
    @pytest.fixture
    async def proxy(self, nft_proxy, network) -> AsyncIterator[ServiceProxy]:
        self.network = network
        yield nft_proxy

    async def resolve(
        self, proxy: ServiceProxy, address: str, port: int, protocol: str
    ) -> Backends:
        return await self.network.resolve(address, port, protocol)


class TestNftablesCommandEngine(ServiceProxyConformance):
    @pytest.fixture
    async def proxy(self, netns, network) -> AsyncIterator[ServiceProxy]:
        self.network = network
        backend = NftablesProxy(NftablesOptions(netns=netns.path, engine="command"), self.node_name)
        await backend.start()
        yield backend
        await backend.close()

    async def resolve(
        self, proxy: ServiceProxy, address: str, port: int, protocol: str
    ) -> Backends:
        return await self.network.resolve(address, port, protocol)
