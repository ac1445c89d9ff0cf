"""UDP: one flow per client address, each with its own socket connected to an endpoint.

Datagrams from a client go out through its flow's socket; replies come back through the
listener, from the service address the client sent to. A flow ends after ``idle_timeout``
seconds without traffic or when its endpoint refuses (ICMP port unreachable); the next
datagram then picks an endpoint again. At most ``max_flows`` flows exist per listener.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import cast

from microkube_proxy_userspace.balancer import Balancer, Target
from microkube_proxy_userspace.sockets import SocketFactory

log = logging.getLogger(__name__)

Address = tuple[str, int]


class _Flow(asyncio.DatagramProtocol):
    """One client's traffic to its endpoint."""

    def __init__(self, listener: UdpListener, client: Address, target: Target) -> None:
        self.listener = listener
        self.client = client
        self.target = target
        self.transport: asyncio.DatagramTransport | None = None
        self.last_used = time.monotonic()
        self.pending: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)
        for data in self.pending:
            self.transport.sendto(data)
        self.pending.clear()

    def send(self, data: bytes) -> None:
        self.last_used = time.monotonic()
        if self.transport is None:
            if len(self.pending) < 64:  # while the socket is being made
                self.pending.append(data)
        else:
            self.transport.sendto(data)

    def datagram_received(self, data: bytes, addr: Address) -> None:
        self.last_used = time.monotonic()
        if self.listener.transport is not None:
            self.listener.transport.sendto(data, self.client)

    def error_received(self, exc: Exception) -> None:
        self.listener.balancer.failed(self.client[0], self.target)
        self.close()

    def close(self) -> None:
        if self.listener.flows.get(self.client) is self:
            del self.listener.flows[self.client]
        if self.transport is not None:
            self.transport.close()
            self.transport = None


class UdpListener(asyncio.DatagramProtocol):
    """Receives datagrams on one address and forwards each client's to an endpoint."""

    def __init__(
        self,
        balancer: Balancer,
        sockets: SocketFactory,
        *,
        idle_timeout: float,
        max_flows: int,
    ) -> None:
        self.balancer = balancer
        self.sockets = sockets
        self.idle_timeout = idle_timeout
        self.max_flows = max_flows
        self.flows: dict[Address, _Flow] = {}
        self.transport: asyncio.DatagramTransport | None = None
        self._reaper: asyncio.Task[None] | None = None
        self._starting: set[asyncio.Task[None]] = set()

    async def open(self, ip: str, port: int) -> None:
        sock = await self.sockets.listener("UDP", ip, port)
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, sock=sock)
        self._reaper = loop.create_task(self._reap())

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Address) -> None:
        flow = self.flows.get(addr)
        if flow is None:
            if len(self.flows) >= self.max_flows:
                return
            target = next(self.balancer.candidates(addr[0]), None)
            if target is None:
                return  # no endpoint: dropped
            flow = self.flows[addr] = _Flow(self, addr, target)
            self.balancer.used(addr[0], target)
            task = asyncio.get_running_loop().create_task(self._connect(flow))
            self._starting.add(task)
            task.add_done_callback(self._starting.discard)
        flow.send(data)

    async def _connect(self, flow: _Flow) -> None:
        try:
            sock = await self.sockets.client("UDP")
            sock.connect(flow.target)
            await asyncio.get_running_loop().create_datagram_endpoint(lambda: flow, sock=sock)
        except OSError as exc:
            log.debug("UDP flow to %s:%d failed: %s", *flow.target, exc)
            flow.close()

    async def _reap(self) -> None:
        while True:
            await asyncio.sleep(min(self.idle_timeout / 2, 5.0))
            oldest = time.monotonic() - self.idle_timeout
            for flow in [f for f in self.flows.values() if f.last_used < oldest]:
                flow.close()

    async def close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        for task in list(self._starting):
            task.cancel()
        for flow in list(self.flows.values()):
            flow.close()
        if self.transport is not None:
            self.transport.close()
            self.transport = None
