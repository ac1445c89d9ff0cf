"""The userspace backend passes the service proxy conformance suite with real traffic."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from microkube_proxy_userspace.options import UserspaceOptions
from microkube_proxy_userspace.proxier import UserspaceProxy

from microkube.contracts.proxy import ServiceProxy
from microkube.testing.conformance import ServiceProxyConformance


class TestUserspaceConformance(ServiceProxyConformance):
    @pytest.fixture
    async def proxy(self, network) -> AsyncIterator[UserspaceProxy]:
        self.network = network
        proxy = UserspaceProxy(UserspaceOptions(netns=network.node.path), node_name=self.node_name)
        await proxy.start()
        yield proxy
        await proxy.close()

    async def resolve(
        self, proxy: ServiceProxy, address: str, port: int, protocol: str
    ) -> set[tuple[str, int]]:
        return await self.network.resolve(address, port, protocol)
