"""The ``userspace`` service proxy: listeners on service addresses, relaying to endpoints.

For every service port it listens on each cluster IP (port), external IP and load-balancer
IP (port) and each node IP (node port). Cluster IP listeners pick among the internal traffic
policy's endpoints, the others among the external policy's (kube-proxy's choice: ready
endpoints, else serving terminating ones; Local policies only this node's). An update
reconciles the listeners of the changed service ports only (a sync, of all): new addresses
open, gone ones close with their connections, and the rest keep running with their endpoints
replaced in place. Service IPs become local /32
addresses first (see :mod:`.addresses`).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import Counter
from collections.abc import Mapping

import attrs

from microkube.contracts.proxy import (
    ProxyState,
    ServicePortName,
    ServiceState,
    usable_endpoints,
)
from microkube.contracts.registration import FactoryContext
from microkube_proxy_userspace.addresses import LocalAddresses
from microkube_proxy_userspace.balancer import Balancer, Target
from microkube_proxy_userspace.options import UserspaceOptions, parse_options
from microkube_proxy_userspace.sockets import SocketFactory
from microkube_proxy_userspace.tcp import TcpListener
from microkube_proxy_userspace.udp import UdpListener

log = logging.getLogger(__name__)

PROTOCOLS = ("TCP", "UDP")


@attrs.frozen
class ListenKey:
    ip: str
    port: int
    protocol: str


@attrs.define
class _Port:
    """One service port's two balancers (internal and external traffic policy)."""

    internal: Balancer
    external: Balancer


def _ipv4(address: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET, address)
    except OSError:
        return False
    return True


def _targets(service: ServiceState, node_name: str, local: bool) -> tuple[Target, ...]:
    """The endpoints a policy uses (IPv4 ones: the proxy's sockets are IPv4)."""
    endpoints = tuple(e for e in service.endpoints if _ipv4(e.ip))
    if local:
        endpoints = tuple(e for e in endpoints if e.node_name == node_name)
    return tuple(sorted({(e.ip, e.port) for e in usable_endpoints(endpoints)}))


class UserspaceProxy:
    """A :class:`~microkube.contracts.proxy.ServiceProxy` relaying in this process."""

    def __init__(self, options: UserspaceOptions | None = None, node_name: str = "") -> None:
        self.options = options or UserspaceOptions()
        self.node_name = node_name
        self.addresses = LocalAddresses(self.options.device, self.options.netns)
        self._sockets: SocketFactory | None = None
        self._lock = asyncio.Lock()
        self._state: ProxyState | None = None
        self._ports: dict[ServicePortName, _Port] = {}
        #: The listeners each service port owns.
        self._keys: dict[ServicePortName, set[ListenKey]] = {}
        self._listeners: dict[ListenKey, TcpListener | UdpListener] = {}
        self._owners: dict[ListenKey, ServicePortName] = {}
        #: Service address -> how many listeners use it.
        self._address_users: Counter[str] = Counter()
        #: The addresses this backend added (with its label; at start, a previous run's):
        #: removed once no listener uses them (a previous run's unused ones by the first sync).
        self._owned: set[str] = set()

    @classmethod
    def from_context(cls, context: FactoryContext) -> UserspaceProxy:
        return cls(parse_options(context.options), context.node_name or "")

    @property
    def listening(self) -> Mapping[ListenKey, ServicePortName]:
        """Each open listener and the service port it serves."""
        return self._owners

    async def start(self) -> None:
        async with self._lock:
            if self._sockets is None:
                self._owned = await self.addresses.current()
                self._sockets = SocketFactory(self.options.netns)

    async def close(self) -> None:
        """Close every listener (and its connections) and remove the added addresses."""
        async with self._lock:
            if self._sockets is None:  # not started, or closed already
                return
            state = self._state or ProxyState(node_name=self.node_name)
            await self._apply(dict.fromkeys(self._keys), state)
            await self.addresses.change(remove=self._owned)
            self._owned = set()
            self._state = None
            self._sockets.close()
            self._sockets = None

    async def sync(self, state: ProxyState) -> None:
        async with self._lock:
            if self._sockets is None:
                raise RuntimeError("the userspace proxy is not started")
            changes: dict[ServicePortName, ServiceState | None] = dict.fromkeys(self._keys)
            changes.update(state.services)
            self._state = state
            await self._apply(changes, state)
            unused = self._owned - set(self._address_users)
            if unused:
                await self.addresses.change(remove=unused)
                self._owned -= unused

    async def update(self, changes: Mapping[ServicePortName, ServiceState | None]) -> None:
        async with self._lock:
            if self._state is None:
                raise RuntimeError("update() before the first sync()")
            services = dict(self._state.services)
            for name, service in changes.items():
                if service is None:
                    services.pop(name, None)
                else:
                    services[name] = service
            self._state = ProxyState(
                node_name=self._state.node_name, node_ips=self._state.node_ips, services=services
            )
            await self._apply(changes, self._state)

    # -- internals ----------------------------------------------------------------------

    def _wanted(
        self, name: ServicePortName, service: ServiceState | None, state: ProxyState
    ) -> dict[ListenKey, Balancer]:
        """The listeners ``service`` needs, each with its balancer (endpoints updated)."""
        if service is None or service.info.protocol not in PROTOCOLS:
            self._ports.pop(name, None)
            return {}
        info = service.info
        node_name = state.node_name or self.node_name
        port = self._ports.get(name) or _Port(Balancer(), Balancer())
        self._ports[name] = port
        affinity = info.session_affinity_seconds
        port.internal.set(_targets(service, node_name, info.internal_traffic_local), affinity)
        port.external.set(_targets(service, node_name, info.external_traffic_local), affinity)
        wanted = {ListenKey(ip, info.port, info.protocol): port.internal for ip in info.cluster_ips}
        for ip in (*info.external_ips, *info.load_balancer_ips):
            wanted[ListenKey(ip, info.port, info.protocol)] = port.external
        if info.node_port:
            for ip in state.node_ips:
                wanted[ListenKey(ip, info.node_port, info.protocol)] = port.external
        return {key: b for key, b in wanted.items() if _ipv4(key.ip)}  # IPv4 sockets only

    async def _apply(
        self,
        changes: Mapping[ServicePortName, ServiceState | None],
        state: ProxyState,
    ) -> None:
        """Bring the listeners of the service ports in ``changes`` to what they need: close
        the ones no longer wanted, add the addresses new ones need, open those."""
        if self._sockets is None:
            raise RuntimeError("the userspace proxy is not started")
        node_ips = set(state.node_ips)
        to_close: list[ListenKey] = []
        to_open: list[tuple[ServicePortName, ListenKey, Balancer]] = []
        for name, service in changes.items():
            wanted = self._wanted(name, service, state)
            owned = self._keys.get(name, set())
            for key in owned - wanted.keys():
                to_close.append(key)
            for key, balancer in wanted.items():
                if key in owned:
                    self._listeners[key].balancer = balancer
                else:
                    to_open.append((name, key, balancer))
            self._keys[name] = owned & wanted.keys()
            if not wanted:
                del self._keys[name]

        released: set[str] = set()
        for key in to_close:
            await self._listeners.pop(key).close()
            del self._owners[key]
            if key.ip in self._address_users:
                self._address_users[key.ip] -= 1
                if self._address_users[key.ip] <= 0:
                    del self._address_users[key.ip]
                    released.add(key.ip)

        needed = {key.ip for _, key, _ in to_open if key.ip not in node_ips}
        added: set[str] = set()
        if needed - self._owned:  # only what is not local already (the node's own addresses)
            added = needed - self._owned - await self.addresses.local()
            await self.addresses.change(add=added)
            self._owned |= added
        for name, key, balancer in to_open:
            if key in self._owners:  # another service port has it
                log.warning(
                    "%s: %s:%d/%s is already %s's", name, *attrs.astuple(key), self._owners[key]
                )
                continue
            listener = self._listener(key.protocol, balancer)
            try:
                await listener.open(key.ip, key.port)
            except OSError as exc:
                log.warning("%s: cannot listen on %s:%d/%s: %s", name, *attrs.astuple(key), exc)
                continue
            self._listeners[key] = listener
            self._owners[key] = name
            self._keys.setdefault(name, set()).add(key)
            if key.ip not in node_ips:
                self._address_users[key.ip] += 1

        # Added addresses no listener uses any more (or that one failed to open on) go again.
        unused = ((released | added) & self._owned) - set(self._address_users)
        if unused:
            await self.addresses.change(remove=unused)
            self._owned -= unused

    def _listener(self, protocol: str, balancer: Balancer) -> TcpListener | UdpListener:
        assert self._sockets is not None
        options = self.options
        if protocol == "TCP":
            return TcpListener(
                balancer,
                self._sockets,
                connect_timeout=options.connect_timeout,
                connect_attempts=options.connect_attempts,
                buffer_bytes=options.buffer_bytes,
                max_connections=options.tcp_max_connections,
            )
        return UdpListener(
            balancer,
            self._sockets,
            idle_timeout=options.udp_idle_timeout,
            max_flows=options.udp_max_flows,
        )
