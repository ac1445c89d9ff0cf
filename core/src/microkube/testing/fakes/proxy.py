"""A service proxy that keeps the programmed state, and how real backends resolve a packet.

:func:`resolve_endpoints` is the reference for where a connection to ``address:port/protocol``
may go, as kube-proxy decides it: ready endpoints; when none is ready, the terminating ones
still serving; with a Local traffic policy, only this node's endpoints (the same fallback
applies among them). Cluster IPs follow ``internal_traffic_local``; node ports, external IPs
and load-balancer IPs follow ``external_traffic_local``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from microkube.contracts.proxy import (
    Endpoint,
    ProxyState,
    ServicePortName,
    ServiceState,
    usable_endpoints,
)
from microkube.testing.recording import Recorded, recorded


def resolve_endpoints(
    state: ProxyState, address: str, port: int, protocol: str = "TCP"
) -> tuple[Endpoint, ...] | None:
    """The endpoints a connection to ``address:port/protocol`` may reach; None when no
    service port matches it, ``()`` when one matches but has no usable endpoint."""
    for service in state.services.values():
        info = service.info
        if info.protocol != protocol:
            continue
        external_ip = address in info.external_ips or address in info.load_balancer_ips
        node_port = bool(info.node_port) and port == info.node_port and address in state.node_ips
        if address in info.cluster_ips and port == info.port:
            local = info.internal_traffic_local
        elif (external_ip and port == info.port) or node_port:
            local = info.external_traffic_local
        else:
            continue
        candidates: Iterable[Endpoint] = service.endpoints
        if local:
            candidates = (e for e in service.endpoints if e.node_name == state.node_name)
        return usable_endpoints(candidates)
    return None


class FakeServiceProxy(Recorded):
    """A :class:`~microkube.contracts.proxy.ServiceProxy` that only remembers what it was told
    to program; :meth:`resolve` answers as a real backend's rules would."""

    def __init__(self, node_name: str = "node-1") -> None:
        self.node_name = node_name
        self.state: ProxyState | None = None
        self.started = False
        self.closed = False

    @property
    def synced(self) -> bool:
        return self.state is not None

    @property
    def services(self) -> Mapping[ServicePortName, ServiceState]:
        """The programmed service ports (empty before the first sync and after close)."""
        return self.state.services if self.state is not None else {}

    def resolve(self, address: str, port: int, protocol: str = "TCP") -> tuple[Endpoint, ...]:
        """Where a connection to ``address:port`` would go (``()``: nowhere)."""
        if self.state is None:
            return ()
        return resolve_endpoints(self.state, address, port, protocol) or ()

    @recorded
    async def start(self) -> None:
        self.started = True
        self.closed = False

    @recorded
    async def close(self) -> None:
        self.state = None
        self.closed = True

    @recorded
    async def sync(self, state: ProxyState) -> None:
        self.state = ProxyState(
            node_name=state.node_name, node_ips=state.node_ips, services=dict(state.services)
        )

    @recorded
    async def update(self, changes: Mapping[ServicePortName, ServiceState | None]) -> None:
        if self.state is None:
            raise RuntimeError("update() before the first sync()")
        services = dict(self.state.services)
        for name, service in changes.items():
            if service is None:
                services.pop(name, None)
            else:
                services[name] = service
        self.state = ProxyState(
            node_name=self.state.node_name, node_ips=self.state.node_ips, services=services
        )
