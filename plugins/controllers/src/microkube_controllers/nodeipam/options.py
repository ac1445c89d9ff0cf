"""The nodeipam controller's options, named as kube-controller-manager's flags:
``allocate-node-cidrs`` (default true here: microkube's pod network needs it),
``cluster-cidr`` (default 10.244.0.0/16; one CIDR per IP family, comma-separated),
``node-cidr-mask-size`` (single stack) or ``node-cidr-mask-size-ipv4``/``-ipv6`` (24 / 64),
and ``service-cluster-ip-range`` (10.96.0.0/12, the API server's default), whose overlap
with the cluster CIDR is never handed to a node."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import attrs

from microkube_controllers.lifecycle.options import Options

__all__ = ["NodeIpamOptions", "parse_options"]

DEFAULT_CLUSTER_CIDR = "10.244.0.0/16"
DEFAULT_SERVICE_CIDR = "10.96.0.0/12"
DEFAULT_MASKS = {4: 24, 6: 64}


@attrs.frozen(kw_only=True)
class NodeIpamOptions:
    allocate: bool
    #: (cluster CIDR, node mask size) per IP family, primary first.
    ranges: tuple[tuple[str, int], ...]
    service_cidrs: tuple[str, ...]


def _cidrs(name: str, value: Any) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"option {name}: expected CIDRs like 10.244.0.0/16, got {value!r}")
    networks = []
    for part in value.split(","):
        try:
            networks.append(ipaddress.ip_network(part.strip()))
        except ValueError as exc:
            raise ValueError(f"option {name}: {exc}") from None
    return networks


def parse_options(values: Mapping[str, Any] | None) -> NodeIpamOptions:
    options = Options(values)
    allocate = options.values.get("allocate-node-cidrs", True)
    if not isinstance(allocate, bool):
        raise ValueError(f"option allocate-node-cidrs: expected true or false, got {allocate!r}")
    clusters = _cidrs("cluster-cidr", options.values.get("cluster-cidr", DEFAULT_CLUSTER_CIDR))
    families = [network.version for network in clusters]
    if len(clusters) > 2 or len(set(families)) != len(families):
        raise ValueError("option cluster-cidr: at most one CIDR per IP family")
    single = options.values.get("node-cidr-mask-size")
    if single is not None and len(clusters) > 1:
        raise ValueError(
            "option node-cidr-mask-size: not allowed with a dual-stack cluster-cidr "
            "(use node-cidr-mask-size-ipv4 and node-cidr-mask-size-ipv6)"
        )
    ranges = []
    for network in clusters:
        if single is not None:
            mask = options.integer("node-cidr-mask-size", 0)
        else:
            key = f"node-cidr-mask-size-ipv{network.version}"
            mask = options.integer(key, DEFAULT_MASKS[network.version])
        ranges.append((str(network), mask))
    services = _cidrs(
        "service-cluster-ip-range",
        options.values.get("service-cluster-ip-range", DEFAULT_SERVICE_CIDR),
    )
    return NodeIpamOptions(
        allocate=allocate, ranges=tuple(ranges), service_cidrs=tuple(str(s) for s in services)
    )
