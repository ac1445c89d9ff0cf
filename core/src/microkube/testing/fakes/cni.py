"""An in-memory CNI plugin: host-local-style IPAM from one subnet, bridge-style results."""

from __future__ import annotations

import hashlib
import ipaddress

import attrs

from microkube.contracts.cni import (
    CNIAddress,
    CNIContext,
    CNIError,
    CNIInterface,
    CNIResult,
    CNIRoute,
)
from microkube.testing.recording import Recorded, recorded

SUPPORTED_VERSIONS = ("0.3.0", "0.3.1", "0.4.0", "1.0.0")

#: The spec's well-known error codes used here.
UNKNOWN_CONTAINER = 3
INVALID_ENVIRONMENT = 4
IPAM_EXHAUSTED = 100  # plugin-specific (host-local: "no IP addresses available")


@attrs.frozen
class Attachment:
    """What ADD left behind for one (container id, interface)."""

    context: CNIContext
    result: CNIResult


class FakeCNI(Recorded):
    """A :class:`~microkube.contracts.cni.CNIPlugin` in memory.

    ADD is idempotent per (container id, interface): a repeated ADD returns the first result.
    DEL is idempotent and frees the address. CHECK fails with code 3 for an unknown
    attachment and with code 100+ when the namespace differs from the one ADD saw.
    """

    def __init__(
        self,
        subnet: str = "10.244.0.0/24",
        *,
        cni_version: str = "1.0.0",
        dns_nameservers: tuple[str, ...] = (),
    ) -> None:
        self.network = ipaddress.ip_network(subnet)
        self.cni_version = cni_version
        self.dns_nameservers = dns_nameservers
        hosts = self.network.hosts()
        self.gateway = str(next(hosts))
        self._pool = [str(ip) for ip in hosts]
        self._used: set[str] = set()
        self.attachments: dict[tuple[str, str], Attachment] = {}

    def ip_of(self, container_id: str, ifname: str = "eth0") -> str:
        """The address ADD gave the attachment ('' if none)."""
        attachment = self.attachments.get((container_id, ifname))
        return attachment.result.pod_ip() if attachment else ""

    @recorded
    async def add(self, ctx: CNIContext) -> CNIResult:
        _validate(ctx)
        existing = self.attachments.get((ctx.container_id, ctx.ifname))
        if existing is not None:
            return existing.result
        ip = next((ip for ip in self._pool if ip not in self._used), None)
        if ip is None:
            raise CNIError(IPAM_EXHAUSTED, f"no IP addresses available in {self.network}")
        self._used.add(ip)
        result = CNIResult(
            cni_version=self.cni_version,
            interfaces=(CNIInterface(name=ctx.ifname, mac=_mac(ctx), sandbox=ctx.netns),),
            ips=(
                CNIAddress(
                    address=f"{ip}/{self.network.prefixlen}", gateway=self.gateway, interface=0
                ),
            ),
            routes=(CNIRoute(dst="0.0.0.0/0", gw=self.gateway),),
            dns_nameservers=self.dns_nameservers,
        )
        self.attachments[(ctx.container_id, ctx.ifname)] = Attachment(ctx, result)
        return result

    @recorded
    async def delete(self, ctx: CNIContext) -> None:
        if not ctx.container_id:
            raise CNIError(INVALID_ENVIRONMENT, "CNI_CONTAINERID is required")
        attachment = self.attachments.pop((ctx.container_id, ctx.ifname), None)
        if attachment is not None:
            self._used.discard(attachment.result.pod_ip())

    @recorded
    async def check(self, ctx: CNIContext) -> None:
        _validate(ctx)
        attachment = self.attachments.get((ctx.container_id, ctx.ifname))
        if attachment is None:
            raise CNIError(
                UNKNOWN_CONTAINER,
                "unknown container",
                f"no attachment for {ctx.container_id} {ctx.ifname}",
            )
        if attachment.context.netns != ctx.netns:
            raise CNIError(101, "interface is in another network namespace", ctx.netns)

    @recorded
    async def version(self) -> tuple[str, ...]:
        return SUPPORTED_VERSIONS


def _validate(ctx: CNIContext) -> None:
    if not ctx.container_id:
        raise CNIError(INVALID_ENVIRONMENT, "CNI_CONTAINERID is required")
    if not ctx.netns:
        raise CNIError(INVALID_ENVIRONMENT, "CNI_NETNS is required")
    if not ctx.ifname:
        raise CNIError(INVALID_ENVIRONMENT, "CNI_IFNAME is required")


def _mac(ctx: CNIContext) -> str:
    digest = hashlib.sha256(f"{ctx.container_id}/{ctx.ifname}".encode()).digest()
    # Locally administered, unicast.
    return ":".join(f"{b:02x}" for b in (0x0A, *digest[:5]))
