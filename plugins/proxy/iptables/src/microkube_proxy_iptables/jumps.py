"""The jumps from the built-in chains into this backend's chains (kube-proxy's
``iptablesJumpChains``), inserted and deleted through ``iptables-restore`` after comparing with
``iptables-save`` output, so a restart never duplicates them."""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs


@attrs.frozen(kw_only=True)
class Jump:
    """A rule in a built-in chain that sends traffic into one of ours (kube-proxy's
    ``iptablesJumpChains``)."""

    table: str
    source: str
    target: str
    comment: str
    extra: tuple[str, ...] = ()

    def rule(self) -> str:
        """The rule as ``iptables-save`` prints it (and ``iptables-restore`` reads it)."""
        extra = " ".join(self.extra)
        return f'{extra} -m comment --comment "{self.comment}" -j {self.target}'.lstrip()


_NEW = ("-m", "conntrack", "--ctstate", "NEW")
JUMPS = (
    Jump(
        table="filter",
        source="INPUT",
        target="KUBE-EXTERNAL-SERVICES",
        comment="kubernetes externally-visible service portals",
        extra=_NEW,
    ),
    Jump(
        table="filter",
        source="FORWARD",
        target="KUBE-EXTERNAL-SERVICES",
        comment="kubernetes externally-visible service portals",
        extra=_NEW,
    ),
    Jump(
        table="filter",
        source="INPUT",
        target="KUBE-NODEPORTS",
        comment="kubernetes health check service ports",
    ),
    Jump(
        table="filter",
        source="FORWARD",
        target="KUBE-SERVICES",
        comment="kubernetes service portals",
        extra=_NEW,
    ),
    Jump(
        table="filter",
        source="OUTPUT",
        target="KUBE-SERVICES",
        comment="kubernetes service portals",
        extra=_NEW,
    ),
    Jump(
        table="filter",
        source="FORWARD",
        target="KUBE-FORWARD",
        comment="kubernetes forwarding rules",
    ),
    *(
        Jump(
            table="filter",
            source=source,
            target="KUBE-PROXY-FIREWALL",
            comment="kubernetes load balancer firewall",
            extra=_NEW,
        )
        for source in ("INPUT", "OUTPUT", "FORWARD")
    ),
    Jump(
        table="nat", source="OUTPUT", target="KUBE-SERVICES", comment="kubernetes service portals"
    ),
    Jump(
        table="nat",
        source="PREROUTING",
        target="KUBE-SERVICES",
        comment="kubernetes service portals",
    ),
    Jump(
        table="nat",
        source="POSTROUTING",
        target="KUBE-POSTROUTING",
        comment="kubernetes postrouting rules",
    ),
)

_CHAIN_LINE = re.compile(r"^:(\S+) ", re.MULTILINE)


def saved_chains(saved: str) -> set[str]:
    """The chains named in ``iptables-save`` output."""
    return set(_CHAIN_LINE.findall(saved))


def jump_lines(saved: Mapping[str, str], present: bool) -> dict[str, list[str]]:
    """``iptables-restore`` lines, by table, that insert the missing jumps (``present``) or
    delete the existing ones, given ``iptables-save`` output per table."""
    out: dict[str, list[str]] = {}
    for jump in JUMPS:
        exists = f"-A {jump.source} {jump.rule()}" in saved[jump.table].splitlines()
        if present and not exists:
            out.setdefault(jump.table, []).append(f"-I {jump.source} {jump.rule()}")
        elif not present and exists:
            out.setdefault(jump.table, []).append(f"-D {jump.source} {jump.rule()}")
    return out
