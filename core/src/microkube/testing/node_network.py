"""A node and an outside client for service proxy tests, each a test-made network namespace.

The node (``192.168.50.10``) holds the endpoint addresses and the echo servers of a
:class:`~microkube.testing.proxy_probe.TrafficProbe`, and is where a backend is programmed
(its ``netns`` option set to ``network.node.path``). The outside client (``192.168.50.20``)
reaches it over a veth pair and routes everything through it. :meth:`NodeNetwork.resolve`
starts connections to cluster IPs on the node, as a process of the node would, and
connections to anything else (node ports, external and load-balancer IPs) on the outside
client, as external traffic does — kube-proxy treats the node's *own* traffic to those
addresses differently (it always uses the Cluster policy's endpoints)::

    @pytest.fixture(scope="module")
    def network():
        with NodeNetwork(endpoint_ips) as network:
            yield network
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from microkube.testing.netns import NetNamespace
from microkube.testing.proxy_probe import TrafficProbe

__all__ = ["NodeNetwork"]


class NodeNetwork:
    node_ip = "192.168.50.10"
    outside_ip = "192.168.50.20"

    def __init__(self, endpoint_ips: Iterable[str], *, service_prefix: str = "10.96.") -> None:
        self.endpoint_ips = tuple(endpoint_ips)
        self.service_prefix = service_prefix
        self.node = NetNamespace()
        self.outside = NetNamespace()
        self.probe: TrafficProbe | None = None

    def start(self) -> NodeNetwork:
        try:
            self.node.start()
            self.outside.start()
            node, outside = self.node, self.outside
            node.run("ip", "link", "add", "mk-node", "type", "veth", "peer", "name", "mk-out")
            node.run("ip", "link", "set", "mk-out", "netns", str(outside.pid))
            node.run("ip", "addr", "add", f"{self.node_ip}/24", "dev", "mk-node")
            node.run("ip", "link", "set", "mk-node", "up")
            outside.run("ip", "addr", "add", f"{self.outside_ip}/24", "dev", "mk-out")
            outside.run("ip", "link", "set", "mk-out", "up")
            outside.run("ip", "route", "add", "default", "via", self.node_ip)
            self.probe = TrafficProbe(node, self.endpoint_ips).start()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        if self.probe is not None:
            self.probe.close()
            self.probe = None
        self.outside.close()
        self.node.close()  # the veth pair goes with the namespaces

    async def resolve(self, address: str, port: int, protocol: str = "TCP") -> set[tuple[str, int]]:
        """Where new connections to ``address:port/protocol`` went (empty: nowhere)."""
        assert self.probe is not None, "the network is not started"
        if address.startswith(self.service_prefix):
            return await self.probe.resolve(address, port, protocol)
        return await asyncio.to_thread(
            self.outside.call, self.probe.resolve_sync, address, port, protocol
        )

    def __enter__(self) -> NodeNetwork:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()
