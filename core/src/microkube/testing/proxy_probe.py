"""Real traffic for service proxy tests: where does a new connection go?

:class:`TrafficProbe` puts the endpoint and node addresses on loopback of a test-made
:class:`~microkube.testing.netns.NetNamespace`, routes everything else there too, and runs
servers on every ``(endpoint ip, port)`` that answer with the address they were reached at.
:meth:`TrafficProbe.resolve` connects ``attempts`` times (new source port each time) and
returns the set of ``(ip, port)`` that answered; a refused (rejected) or unanswered (dropped,
unrouted) first attempt gives the empty set. This is what
:class:`~microkube.testing.conformance.proxy.ServiceProxyConformance` needs of a kernel
backend programmed into that namespace::

    async def resolve(self, proxy, address, port, protocol):
        return await probe.resolve(address, port, protocol)
"""

from __future__ import annotations

import asyncio
import selectors
import socket
import threading
from collections.abc import Iterable

from microkube.testing.netns import NetNamespace

__all__ = ["TrafficProbe"]


class TrafficProbe:
    def __init__(
        self,
        netns: NetNamespace,
        endpoint_ips: Iterable[str],
        *,
        local_ips: Iterable[str] = (),
        tcp_ports: Iterable[int] = (8080, 9000, 9153, 2053),
        udp_ports: Iterable[int] = (1053, 8080),
        attempts: int = 24,
        timeout: float = 0.25,
    ) -> None:
        self.netns = netns
        self.endpoint_ips = tuple(endpoint_ips)
        self.local_ips = tuple(local_ips)
        self.tcp_ports = tuple(tcp_ports)
        self.udp_ports = tuple(udp_ports)
        self.attempts = attempts
        self.timeout = timeout
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sockets: list[socket.socket] = []

    def start(self) -> TrafficProbe:
        for ip in (*self.endpoint_ips, *self.local_ips):
            self.netns.run("ip", "addr", "add", f"{ip}/32", "dev", "lo")
        self.netns.run("ip", "route", "add", "default", "dev", "lo")
        self._sockets = self.netns.call(self._listen)
        self._thread = threading.Thread(target=self._serve, name="probe servers", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for sock in self._sockets:
            sock.close()
        self._sockets = []

    # -- servers ------------------------------------------------------------------------

    def _listen(self) -> list[socket.socket]:
        sockets = []
        # One server per endpoint address (not 0.0.0.0), so a userspace proxy can still
        # listen on the same port at a service address.
        for ip in self.endpoint_ips:
            for port in self.tcp_ports:
                server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                server.bind((ip, port))
                server.listen(128)
                sockets.append(server)
        for ip in self.endpoint_ips:  # one per address, so replies leave from it
            for port in self.udp_ports:
                server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                server.bind((ip, port))
                sockets.append(server)
        for sock in sockets:
            sock.setblocking(False)
        return sockets

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            for sock in self._sockets:
                selector.register(sock, selectors.EVENT_READ)
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.1):
                    sock = key.fileobj
                    assert isinstance(sock, socket.socket)
                    try:
                        if sock.type == socket.SOCK_STREAM:
                            conn, _ = sock.accept()
                            with conn:
                                ip, port = conn.getsockname()
                                conn.sendall(f"{ip} {port}".encode())
                        else:
                            _, peer = sock.recvfrom(512)
                            ip, port = sock.getsockname()
                            sock.sendto(f"{ip} {port}".encode(), peer)
                    except OSError:
                        continue

    # -- probing ------------------------------------------------------------------------

    def _once(self, address: str, port: int, protocol: str) -> tuple[str, int] | None:
        kind = socket.SOCK_STREAM if protocol.upper() == "TCP" else socket.SOCK_DGRAM
        with socket.socket(socket.AF_INET, kind) as sock:
            sock.settimeout(self.timeout)
            try:
                sock.connect((address, port))
                if kind == socket.SOCK_DGRAM:
                    sock.send(b"?")
                data = sock.recv(512).decode()
            except OSError:  # refused (rejected), timed out (dropped), unreachable
                return None
        ip, _, answered = data.partition(" ")
        return (ip, int(answered)) if answered else None

    def resolve_sync(self, address: str, port: int, protocol: str = "TCP") -> set[tuple[str, int]]:
        seen: set[tuple[str, int]] = set()
        for attempt in range(self.attempts):
            answer = self._once(address, port, protocol)
            if answer is None:
                if attempt == 0:
                    return set()
                continue
            seen.add(answer)
        return seen

    async def resolve(self, address: str, port: int, protocol: str = "TCP") -> set[tuple[str, int]]:
        """Where new connections to ``address:port/protocol`` went (empty: nowhere)."""
        return await asyncio.to_thread(self.netns.call, self.resolve_sync, address, port, protocol)

    def __enter__(self) -> TrafficProbe:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()
