"""The CNI contract: the kubelet's view of the Container Network Interface.

A CNI plugin object wraps the spec's exec contract (ADD/DEL/CHECK/VERSION with the network
configuration list on stdin, ``CNI_*`` variables in the environment, a result or an error as
JSON on stdout). Errors carry the spec's numeric codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import attrs


@attrs.frozen(kw_only=True)
class CNIContext:
    """One attachment: a pod sandbox's network namespace and interface."""

    container_id: str
    netns: str
    ifname: str = "eth0"
    pod_namespace: str = ""
    pod_name: str = ""
    pod_uid: str = ""
    #: runtimeConfig capabilities, e.g. {"portMappings": [...]} for portmap.
    capability_args: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class CNIInterface:
    name: str
    mac: str = ""
    sandbox: str = ""


@attrs.frozen(kw_only=True)
class CNIAddress:
    """``address`` in CIDR form (``10.244.0.5/24``); ``interface`` is an index into
    ``CNIResult.interfaces``."""

    address: str
    gateway: str = ""
    interface: int | None = None


@attrs.frozen(kw_only=True)
class CNIRoute:
    dst: str
    gw: str = ""


@attrs.frozen(kw_only=True)
class CNIResult:
    cni_version: str
    interfaces: tuple[CNIInterface, ...] = ()
    ips: tuple[CNIAddress, ...] = ()
    routes: tuple[CNIRoute, ...] = ()
    dns_nameservers: tuple[str, ...] = ()

    def pod_ip(self) -> str:
        """The first address without its prefix length ('' if none)."""
        return self.ips[0].address.split("/", 1)[0] if self.ips else ""


class CNIError(Exception):
    """A CNI error result: ``code`` as in the spec (1 incompatible version, 2 unsupported
    field, 3 unknown container, 4 invalid env, 5 I/O, 6 decode, 7 invalid config,
    11 try again later; >=100 plugin-specific)."""

    def __init__(self, code: int, msg: str, details: str = "") -> None:
        super().__init__(f"CNI error {code}: {msg}" + (f" ({details})" if details else ""))
        self.code = code
        self.msg = msg
        self.details = details


@runtime_checkable
class CNIPlugin(Protocol):
    async def add(self, ctx: CNIContext) -> CNIResult: ...

    async def delete(self, ctx: CNIContext) -> None:
        """Idempotent: deleting an attachment that is gone succeeds."""

    async def check(self, ctx: CNIContext) -> None:
        """Raise CNIError if the attachment is not as ADD left it."""

    async def version(self) -> tuple[str, ...]:
        """The CNI spec versions supported."""
