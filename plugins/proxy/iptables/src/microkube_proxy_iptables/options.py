"""The ``iptables`` backend's options: its section of the configuration, validated here.

Keys are dashed as in the rest of the configuration; unknown keys and bad values raise
:class:`microkube.config.ConfigError` naming the key.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import attrs

from microkube.config import structure_options

MODES = ("legacy", "nft")


def _mode(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if value not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {value!r}")


def _cidr(instance: object, attribute: attrs.Attribute, value: str | None) -> None:
    if value is None:
        return
    try:
        network = ipaddress.ip_network(value)
    except ValueError as exc:
        raise ValueError(f"cluster-cidr: {exc}") from None
    if network.version != 4:
        raise ValueError(f"cluster-cidr: the iptables backend programs IPv4 only, got {value!r}")


def _bit(instance: object, attribute: attrs.Attribute, value: int) -> None:
    if not 0 <= value <= 31:
        raise ValueError(f"masquerade-bit must be within 0..31, got {value!r}")


@attrs.frozen(kw_only=True)
class IptablesOptions:
    #: Which iptables: ``legacy`` (x_tables, the default — see the README for the measurement
    #: behind it) or ``nft`` (the nf_tables-backed compatibility binaries).
    mode: str = attrs.field(default="legacy", validator=_mode)
    #: The cluster's pod CIDR (kube-proxy's ``--cluster-cidr``): traffic to a cluster IP from
    #: outside it is masqueraded, traffic from inside it to a Local-policy external IP keeps
    #: using every endpoint. None: no such rules (as kube-proxy without a local detector).
    cluster_cidr: str | None = attrs.field(default=None, validator=_cidr)
    #: Masquerade all traffic to cluster IPs (kube-proxy's ``--masquerade-all``).
    masquerade_all: bool = False
    #: The fwmark bit that marks packets for masquerading (kube-proxy's default 14 = 0x4000).
    masquerade_bit: int = attrs.field(default=14, validator=_bit)
    #: Over this many endpoints in total, per-endpoint comments are left out (kube-proxy's
    #: large-cluster mode) to keep the ruleset small.
    large_cluster_endpoints: int = 1000
    #: Program the rules in this network namespace (a path such as ``/run/netns/node-a``)
    #: instead of the current one.
    netns: str | None = None


def parse_options(options: Mapping[str, Any]) -> IptablesOptions:
    """Validate the ``iptables`` options section (an empty mapping gives the defaults)."""
    return structure_options(IptablesOptions, options, "options.iptables")
