"""The DNS server: asyncio UDP and TCP on one address, answering names in the cluster zone
from a :class:`ZoneResolver` and forwarding the rest.

UDP answers larger than the client's buffer (512 bytes, or its EDNS payload size) go out
truncated (TC), so the client asks again over TCP. A CNAME to another name (an ExternalName
Service) is followed: inside the zone by the resolver, outside it through the forwarder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct

import dns.exception
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdatatype

from microkube_dns.records import ZoneResolver
from microkube_dns.upstream import Forwarder

__all__ = ["DnsServer"]

log = logging.getLogger(__name__)

UDP_DEFAULT_SIZE = 512
MAX_CHASE = 8


class DnsServer:
    def __init__(self, resolver: ZoneResolver, forwarder: Forwarder) -> None:
        self.resolver = resolver
        self.forwarder = forwarder
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, address: str, port: int) -> None:
        """Listen on ``address``: TCP first (port 0 picks a free one), then UDP on the same
        port."""
        loop = asyncio.get_running_loop()
        self._tcp = await asyncio.start_server(self._serve_tcp, address, port, reuse_address=True)
        self.port = self._tcp.sockets[0].getsockname()[1]
        try:
            self._udp, _ = await loop.create_datagram_endpoint(
                lambda: _UdpProtocol(self), local_addr=(address, self.port)
            )
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            with contextlib.suppress(Exception):
                await self._tcp.wait_closed()
            self._tcp = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coroutine) -> None:  # type: ignore[no-untyped-def]
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- transports -----------------------------------------------------------------------

    async def _answer_udp(self, data: bytes, peer: tuple, transport) -> None:  # type: ignore[no-untyped-def]
        wire = await self.answer_wire(data, tcp=False)
        if wire is not None and not transport.is_closing():
            transport.sendto(wire, peer)

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                header = await reader.readexactly(2)
                data = await reader.readexactly(struct.unpack("!H", header)[0])
                wire = await self.answer_wire(data, tcp=True)
                if wire is None:
                    break
                writer.write(struct.pack("!H", len(wire)) + wire)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    # -- answering ------------------------------------------------------------------------

    async def answer_wire(self, data: bytes, tcp: bool) -> bytes | None:
        """The wire answer to one wire query (None: not even a header to answer)."""
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return _format_error(data)
        response = await self.answer(query, tcp)
        if tcp:
            return response.to_wire()
        size = max(UDP_DEFAULT_SIZE, query.payload) if query.edns >= 0 else UDP_DEFAULT_SIZE
        try:
            return response.to_wire(max_size=size)
        except dns.exception.TooBig:
            truncated = dns.message.make_response(query)
            truncated.flags |= dns.flags.TC | (response.flags & dns.flags.AA)
            truncated.set_rcode(response.rcode())
            return truncated.to_wire(max_size=size)

    async def answer(self, query: dns.message.Message, tcp: bool) -> dns.message.Message:
        if query.opcode() != dns.opcode.QUERY or len(query.question) != 1:
            response = dns.message.make_response(query)
            response.set_rcode(dns.rcode.NOTIMP)
            return response
        question = query.question[0]
        if not self.resolver.in_zone(question.name):
            reverse = self.resolver.reverse(question.name, question.rdtype)
            if reverse is None:
                return await self.forwarder.forward(query, tcp)
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            response.answer.extend(reverse.answer)
            response.authority.extend(reverse.authority)
            return response
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        name, rdtype = question.name, question.rdtype
        for _ in range(MAX_CHASE):
            answer = self.resolver.resolve(name, rdtype)
            response.answer.extend(answer.answer)
            response.additional.extend(answer.additional)
            if answer.chase is None:
                if not response.answer:
                    response.set_rcode(answer.rcode)
                    response.authority.extend(answer.authority)
                break
            name = answer.chase
            if not self.resolver.in_zone(name):
                await self._chase_upstream(query, name, rdtype, response)
                break
        return response

    async def _chase_upstream(
        self, query: dns.message.Message, name, rdtype: int, response: dns.message.Message
    ) -> None:  # type: ignore[no-untyped-def]
        outside = dns.message.make_query(name, rdtype)
        outside.id = query.id
        answered = await self.forwarder.forward(outside)
        if answered.rcode() == dns.rcode.NOERROR:
            response.answer.extend(answered.answer)


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        self.server._spawn(self.server._answer_udp(data, addr, self.transport))


def _format_error(data: bytes) -> bytes | None:
    """FORMERR for a query whose header is readable; nothing for garbage."""
    if len(data) < 12:
        return None
    (query_id,) = struct.unpack("!H", data[:2])
    flags = dns.flags.QR | dns.rcode.FORMERR
    return struct.pack("!HHHHHH", query_id, flags, 0, 0, 0, 0)
