"""A pod's resolver configuration from ``dnsPolicy`` and ``dnsConfig``, as upstream's
``pkg/kubelet/network/dns``: ``ClusterFirst`` (and ``ClusterFirstWithHostNet`` for
host-network pods) use the kubelet's ``cluster-dns`` servers with the search path
``<ns>.svc.<domain> svc.<domain> <domain>`` and ``ndots:5``; ``Default`` leaves the host's
resolver (an empty config: the runtime keeps the node's); ``None`` uses ``dnsConfig`` only.
``dnsConfig`` is merged in last. Without ``cluster-dns``, ClusterFirst falls back to Default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from microkube.contracts.runtime import DNSConfig

__all__ = ["pod_dns_config"]

MAX_SEARCHES = 32


def _options(items: Sequence[Mapping[str, Any]]) -> list[str]:
    return [
        o["name"] + (f":{o['value']}" if o.get("value") else "") for o in items if o.get("name")
    ]


def pod_dns_config(
    pod: Mapping[str, Any], cluster_dns: Sequence[str], cluster_domain: str
) -> DNSConfig:
    spec = pod.get("spec") or {}
    namespace = (pod.get("metadata") or {}).get("namespace") or "default"
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    if policy == "ClusterFirst" and spec.get("hostNetwork"):
        policy = "Default"  # upstream: host-network pods need ClusterFirstWithHostNet
    servers: list[str] = []
    searches: list[str] = []
    options: list[str] = []
    if policy in ("ClusterFirst", "ClusterFirstWithHostNet") and cluster_dns:
        servers = list(cluster_dns)
        searches = [f"{namespace}.svc.{cluster_domain}", f"svc.{cluster_domain}", cluster_domain]
        options = ["ndots:5"]
    extra = spec.get("dnsConfig") or {}
    servers += [s for s in extra.get("nameservers") or () if s not in servers]
    searches += [s for s in extra.get("searches") or () if s not in searches]
    merged = {o.split(":", 1)[0]: o for o in options}
    for option in _options(extra.get("options") or ()):
        merged[option.split(":", 1)[0]] = option
    return DNSConfig(
        servers=tuple(servers[:3]),
        searches=tuple(searches[:MAX_SEARCHES]),
        options=tuple(merged.values()),
    )
