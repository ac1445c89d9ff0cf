"""The server over real UDP and TCP sockets on loopback."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import dns.asyncquery
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdatatype as t
import dns.rrset
import pytest
from dns_objects import endpoint_slice, ready, sample_view, service, view
from microkube_dns.records import ZoneResolver
from microkube_dns.server import DnsServer
from microkube_dns.upstream import Forwarder

LOOPBACK = "127.0.0.1"


class FakeUpstream(asyncio.DatagramProtocol):
    """An upstream resolver answering every A question with 192.0.2.1."""

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport
        self.questions: list[str] = []

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        query = dns.message.from_wire(data)
        self.questions.append(query.question[0].name.to_text())
        response = dns.message.make_response(query)
        response.answer.append(
            dns.rrset.from_text(query.question[0].name, 60, "IN", "A", "192.0.2.1")
        )
        self.transport.sendto(response.to_wire(), addr)


@pytest.fixture
async def upstream() -> AsyncIterator[tuple[str, FakeUpstream]]:
    transport, protocol = await asyncio.get_running_loop().create_datagram_endpoint(
        FakeUpstream, local_addr=(LOOPBACK, 0)
    )
    yield f"{LOOPBACK}:{transport.get_extra_info('sockname')[1]}", protocol
    transport.close()


async def serving(resolver_view, upstreams: list[str], within: float = 1.0) -> DnsServer:
    server = DnsServer(
        ZoneResolver(resolver_view, "cluster.local", 5, "10.96.0.10"),
        Forwarder(upstreams, within),
    )
    await server.start(LOOPBACK, 0)
    return server


async def ask(server: DnsServer, name: str, rdtype: int, tcp: bool = False, **kw):  # type: ignore[no-untyped-def]
    query = dns.message.make_query(name, rdtype, **kw)
    send = dns.asyncquery.tcp if tcp else dns.asyncquery.udp
    return await send(query, LOOPBACK, port=server.port, timeout=3)


async def test_udp_and_tcp_answers_are_authoritative(upstream) -> None:
    server = await serving(sample_view(), [])
    try:
        for tcp in (False, True):
            response = await ask(server, "web.default.svc.cluster.local", t.A, tcp=tcp)
            assert response.flags & dns.flags.AA
            assert [r.to_text() for r in response.answer[0]] == ["10.96.0.20"]
        missing = await ask(server, "nope.default.svc.cluster.local", t.A)
        assert missing.rcode() == dns.rcode.NXDOMAIN
        assert missing.authority[0].rdtype == t.SOA
    finally:
        await server.stop()


async def test_names_outside_the_zone_are_forwarded(upstream) -> None:
    address, fake = upstream
    server = await serving(sample_view(), [address])
    try:
        response = await ask(server, "example.com", t.A)
        assert response.rcode() == dns.rcode.NOERROR
        assert [r.to_text() for r in response.answer[0]] == ["192.0.2.1"]
        # an ExternalName's CNAME is followed upstream
        external = await ask(server, "ext.default.svc.cluster.local", t.A)
        assert [rrset.rdtype for rrset in external.answer] == [t.CNAME, t.A]
        assert fake.questions == ["example.com.", "example.org."]
        # ... and one to a name in the zone, inside it
        alias = await ask(server, "alias.default.svc.cluster.local", t.A)
        assert [r.to_text() for r in alias.answer[1]] == ["10.96.0.20"]
        # reverse names: the cluster's IPs here, others upstream
        ptr = await ask(server, "20.0.96.10.in-addr.arpa", t.PTR)
        assert [r.to_text() for r in ptr.answer[0]] == ["web.default.svc.cluster.local."]
        await ask(server, "9.2.0.192.in-addr.arpa", t.PTR)
        assert fake.questions[-1] == "9.2.0.192.in-addr.arpa."
    finally:
        await server.stop()


async def test_no_reachable_upstream_is_a_quick_servfail() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind((LOOPBACK, 0))  # receives, never answers
        port = silent.getsockname()[1]
        for upstreams in ([], [f"{LOOPBACK}:{port}"]):
            server = await serving(sample_view(), upstreams, within=0.3)
            try:
                started = time.monotonic()
                response = await ask(server, "example.com", t.A)
                assert response.rcode() == dns.rcode.SERVFAIL
                assert time.monotonic() - started < 1.0
            finally:
                await server.stop()


async def test_large_udp_answers_are_truncated_and_complete_over_tcp() -> None:
    endpoints = [ready(f"10.244.{i // 250}.{i % 250 + 1}") for i in range(100)]
    big = view(service("big", clusterIP="None"), endpoint_slice("big", endpoints))
    server = await serving(big, [])
    try:
        udp = await ask(server, "big.default.svc.cluster.local", t.A)
        assert udp.flags & dns.flags.TC
        tcp = await ask(server, "big.default.svc.cluster.local", t.A, tcp=True)
        assert len(tcp.answer[0]) == 100
        edns = await ask(server, "big.default.svc.cluster.local", t.A, use_edns=0, payload=4096)
        assert not edns.flags & dns.flags.TC and len(edns.answer[0]) == 100
    finally:
        await server.stop()


async def test_malformed_queries() -> None:
    server = await serving(sample_view(), [])
    try:
        loop = asyncio.get_running_loop()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.setblocking(False)
            await loop.sock_connect(client, (LOOPBACK, server.port))
            await loop.sock_sendall(client, b"\x12\x34" + b"\x01\x00" + b"\x00\x05" + b"\xff" * 10)
            reply = await asyncio.wait_for(loop.sock_recv(client, 512), 2)
        assert reply[:2] == b"\x12\x34" and reply[3] & 0x0F == dns.rcode.FORMERR
        notify = dns.message.make_query("cluster.local", t.SOA)
        notify.set_opcode(dns.opcode.NOTIFY)
        response = await dns.asyncquery.udp(notify, LOOPBACK, port=server.port, timeout=2)
        assert response.rcode() == dns.rcode.NOTIMP
    finally:
        await server.stop()
