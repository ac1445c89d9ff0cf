"""The iptables backend passes the service proxy conformance suite with real traffic."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from microkube_proxy_iptables.options import IptablesOptions
from microkube_proxy_iptables.proxier import IptablesProxy

from microkube.contracts.proxy import ServiceProxy
from microkube.testing.conformance import ServiceProxyConformance


class TestIptablesConformance(ServiceProxyConformance):
    @pytest.fixture
    async def proxy(self, network) -> AsyncIterator[IptablesProxy]:
        self.network = network
        proxy = IptablesProxy(IptablesOptions(netns=network.node.path), node_name=self.node_name)
        await proxy.start()
        yield proxy
        await proxy.close()

    async def resolve(
        self, proxy: ServiceProxy, address: str, port: int, protocol: str
    ) -> set[tuple[str, int]]:
        return await self.network.resolve(address, port, protocol)
