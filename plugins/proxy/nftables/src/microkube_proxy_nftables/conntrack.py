"""Deleting conntrack entries of UDP flows whose endpoint went away (kube-proxy does the same:
UDP has no connection to break, so without this a client keeps sending to a dead endpoint)."""

from __future__ import annotations

import logging
import subprocess

from microkube_proxy_nftables.frontends import Frontend

__all__ = ["delete_flows", "stale_flows"]

log = logging.getLogger(__name__)

Flow = tuple[str, ...]


def stale_flows(old: Frontend | None, new: Frontend | None) -> list[Flow]:
    """``conntrack -D`` filters for UDP flows of ``old`` that ``new`` no longer serves."""
    if old is None or old.protocol != "udp":
        return []
    kept = set(new.endpoints) if new is not None else set()
    where: tuple[str, ...] = ("--orig-port-dst", str(old.port))
    if old.kind == "ip":
        where = ("--orig-dst", old.address, *where)
    return [
        ("-p", "udp", *where, "--dst-nat", ip)
        for ip in sorted({ip for ip, port in old.endpoints if (ip, port) not in kept})
    ]


def delete_flows(flows: list[Flow]) -> None:
    """Run ``conntrack -D`` per filter (exit status 1 = nothing matched, not an error)."""
    for flow in flows:
        result = subprocess.run(
            ["conntrack", "-D", *flow], capture_output=True, text=True, check=False
        )
        if result.returncode not in (0, 1):
            log.warning("conntrack -D %s: %s", " ".join(flow), result.stderr.strip())
