"""Forwarding of names outside the cluster zone to the node's resolvers (CoreDNS's
``forward . /etc/resolv.conf``), bounded in time: when no upstream answers within the
timeout, or none is configured, the query is answered SERVFAIL."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.rcode

__all__ = ["Forwarder", "nameservers_from_resolv_conf"]

log = logging.getLogger(__name__)


def nameservers_from_resolv_conf(path: str, exclude: Iterable[str] = ()) -> list[str]:
    """The ``nameserver`` lines of a resolv.conf, less ``exclude`` (this server's own
    addresses: forwarding to itself would loop)."""
    skip = set(exclude)
    try:
        text = Path(path).read_text()
    except OSError:
        return []
    servers = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] == "nameserver" and fields[1] not in skip:
            servers.append(fields[1])
    return servers


def _address(server: str) -> tuple[str, int]:
    if server.count(":") == 1:
        host, port = server.split(":")
        return host, int(port)
    return server, 53


class Forwarder:
    def __init__(self, servers: Sequence[str], timeout: float) -> None:
        self.servers = [_address(s) for s in servers]
        self.timeout = timeout

    async def forward(self, query: dns.message.Message, tcp: bool = False) -> dns.message.Message:
        """The first upstream answer to ``query`` (its id kept), or a SERVFAIL."""
        if self.servers:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.timeout):
                    answer = await self._ask_each(query, tcp)
                    if answer is not None:
                        answer.id = query.id
                        return answer
        failure = dns.message.make_response(query)
        failure.set_rcode(dns.rcode.SERVFAIL)
        return failure

    async def _ask_each(self, query: dns.message.Message, tcp: bool) -> dns.message.Message | None:
        share = self.timeout / len(self.servers)
        for host, port in self.servers:
            try:
                if tcp:
                    return await dns.asyncquery.tcp(query, host, timeout=share, port=port)
                answer = await dns.asyncquery.udp(query, host, timeout=share, port=port)
                if answer.flags & dns.flags.TC:
                    return await dns.asyncquery.tcp(query, host, timeout=share, port=port)
                return answer
            except (OSError, dns.exception.DNSException) as exc:
                log.debug("upstream %s:%s failed: %s", host, port, exc)
        return None
