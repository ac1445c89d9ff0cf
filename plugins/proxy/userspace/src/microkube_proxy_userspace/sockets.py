"""Sockets made in the proxy's network namespace.

A socket belongs to the network namespace its creating thread was in, for its whole life. With
a ``netns``, sockets are created on one worker thread that entered it (``setns(2)``) — client
sockets a batch at a time — and the event loop then uses them like any other. Without, they
are made where the loop runs.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from microkube.netns import enter_netns

T = TypeVar("T")

#: Linux's IP_FREEBIND: bind an address before it is configured (it is added just before).
IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)


def _listener(kind: int, address: tuple[str, int], backlog: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, kind)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
        sock.bind(address)
        if kind == socket.SOCK_STREAM:
            sock.listen(backlog)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _clients(kind: int, count: int) -> list[socket.socket]:
    sockets = [socket.socket(socket.AF_INET, kind) for _ in range(count)]
    for sock in sockets:
        sock.setblocking(False)
    return sockets


#: With a namespace, unconnected client sockets are made this many at a time (one trip to the
#: namespace's thread instead of one per connection).
_SPARE_CLIENTS = 32


class SocketFactory:
    """Makes listening and client sockets in the configured namespace."""

    def __init__(self, netns: str | None = None) -> None:
        self.netns = netns
        self._executor: ThreadPoolExecutor | None = None
        if netns:
            os.close(os.open(netns, os.O_RDONLY | os.O_CLOEXEC))  # fail early if it is absent
            self._executor = ThreadPoolExecutor(
                max_workers=1,
                thread_name_prefix="netns",
                initializer=enter_netns,
                initargs=(netns,),
            )
        self._spare: dict[int, list[socket.socket]] = {}

    async def _make(self, function: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            return function(*args)
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def listener(
        self, protocol: str, ip: str, port: int, backlog: int = 511
    ) -> socket.socket:
        """A bound (and for TCP listening) non-blocking socket on ``ip:port``."""
        kind = socket.SOCK_STREAM if protocol == "TCP" else socket.SOCK_DGRAM
        return await self._make(_listener, kind, (ip, port), backlog)

    async def client(self, protocol: str) -> socket.socket:
        """An unconnected non-blocking socket for a connection to an endpoint."""
        kind = socket.SOCK_STREAM if protocol == "TCP" else socket.SOCK_DGRAM
        if self._executor is None:
            return _clients(kind, 1)[0]
        spare = self._spare.setdefault(kind, [])
        if not spare:
            spare.extend(await self._make(_clients, kind, _SPARE_CLIENTS))
        return spare.pop()

    def close(self) -> None:
        for spare in self._spare.values():
            for sock in spare:
                sock.close()
        self._spare.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
