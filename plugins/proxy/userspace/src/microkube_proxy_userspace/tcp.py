"""TCP: accept on a service address, connect to an endpoint, relay both ways.

Relaying uses transports and buffered protocols directly (no streams): what one side reads
(at most ``buffer_bytes`` at once) is written to the other; when a side's write buffer passes
``buffer_bytes`` the other side stops reading until it drains, so each direction holds at most
about twice ``buffer_bytes``. Half-closes are passed on; the connection ends when both
directions have ended or either side fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from collections.abc import Callable

from microkube_proxy_userspace.balancer import Balancer
from microkube_proxy_userspace.sockets import SocketFactory

log = logging.getLogger(__name__)


class _Side(asyncio.BufferedProtocol):
    """One end of a relayed connection (the client's or the endpoint's). It reads into its
    own buffer of ``buffer_bytes``, so one read never brings in more than that."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.transport: asyncio.Transport | None = None
        self.peer: _Side | None = None
        self.ended = False  # this side sent EOF
        self._buffer = memoryview(bytearray(connection.listener.buffer_bytes))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        if self.peer is not None and self.peer.transport is not None:
            # A copy: a transport may keep what it cannot send yet, and the buffer is reused.
            self.peer.transport.write(bytes(self._buffer[:nbytes]))

    def eof_received(self) -> bool:
        self.ended = True
        peer = self.peer
        if peer is None or peer.transport is None or peer.ended:
            self.connection.close()
            return False
        if peer.transport.can_write_eof():
            peer.transport.write_eof()
        return True  # keep the other direction open

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.connection.close()

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()


class Connection:
    """A client connection and, once connected, its endpoint connection."""

    def __init__(self, listener: TcpListener) -> None:
        self.listener = listener
        self.client: _Side = _ClientProtocol(self)
        self.upstream: _Side | None = None
        self.task: asyncio.Task[None] | None = None
        self.closed = False

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.listener.connections.discard(self)
        if self.task is not None and not self.task.done():
            self.task.cancel()
        for side in (self.client, self.upstream):
            if side is not None and side.transport is not None:
                side.transport.close()  # flushes what is buffered

    def reset(self) -> None:
        """Give up on the client: close with RST, as a rejected connection."""
        transport = self.client.transport
        if transport is not None:
            with contextlib.suppress(OSError):
                sock = transport.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        self.close()


class _ClientProtocol(_Side):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        listener = self.connection.listener
        if len(listener.connections) >= listener.max_connections:
            self.connection.reset()
            return
        listener.connections.add(self.connection)
        assert self.transport is not None
        self.transport.pause_reading()  # until the endpoint is connected
        self.transport.set_write_buffer_limits(high=listener.buffer_bytes)
        self.connection.task = asyncio.get_running_loop().create_task(
            listener.connect(self.connection)
        )


class TcpListener:
    """Accepts connections on one address and relays each to an endpoint of ``balancer``."""

    def __init__(
        self,
        balancer: Balancer,
        sockets: SocketFactory,
        *,
        connect_timeout: float,
        connect_attempts: int,
        buffer_bytes: int,
        max_connections: int,
    ) -> None:
        self.balancer = balancer
        self.sockets = sockets
        self.connect_timeout = connect_timeout
        self.connect_attempts = connect_attempts
        self.buffer_bytes = buffer_bytes
        self.max_connections = max_connections
        self.connections: set[Connection] = set()
        self.server: asyncio.Server | None = None

    async def open(self, ip: str, port: int) -> None:
        sock = await self.sockets.listener("TCP", ip, port)
        factory: Callable[[], asyncio.Protocol] = lambda: Connection(self).client  # noqa: E731
        self.server = await asyncio.get_running_loop().create_server(
            factory, sock=sock, start_serving=True
        )

    async def connect(self, connection: Connection) -> None:
        """Connect ``connection`` to an endpoint, trying the next one on failure."""
        client = connection.client
        assert client.transport is not None
        peer = client.transport.get_extra_info("peername") or ("", 0)
        client_ip = peer[0]
        loop = asyncio.get_running_loop()
        for attempt, target in enumerate(self.balancer.candidates(client_ip)):
            if attempt >= self.connect_attempts:
                break
            sock = await self.sockets.client("TCP")
            try:
                async with asyncio.timeout(self.connect_timeout):
                    await loop.sock_connect(sock, target)
            except (OSError, TimeoutError) as exc:
                sock.close()
                self.balancer.failed(client_ip, target)
                log.debug("connect to %s:%d failed: %s", *target, exc)
                continue
            except BaseException:  # cancelled: the client went away
                sock.close()
                raise
            if connection.closed or client.transport is None:
                sock.close()
                return
            upstream = _Side(connection)
            try:
                await loop.create_connection(lambda: upstream, sock=sock)  # noqa: B023
            except BaseException:
                sock.close()
                raise
            assert upstream.transport is not None
            if connection.closed or client.transport is None:
                upstream.transport.close()
                return
            upstream.transport.set_write_buffer_limits(high=self.buffer_bytes)
            upstream.peer, client.peer = client, upstream
            connection.upstream = upstream
            self.balancer.used(client_ip, target)
            client.transport.resume_reading()
            return
        connection.reset()  # no endpoint, or none answered

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for connection in list(self.connections):
            connection.close()
        if self.server is not None:
            await self.server.wait_closed()
            self.server = None
