"""A plugin's ADD result (JSON) as the contract's :class:`CNIResult`.

Results of spec 0.3.0 to 1.0.0 share the shape read here: ``interfaces`` (name, mac,
sandbox), ``ips`` (``address`` in CIDR form, ``gateway``, ``interface`` index; 0.3.x/0.4.0
also carry a ``version``), ``routes`` and ``dns``. A malformed result is a decode error
(code 6), never a half-read one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from microkube.contracts.cni import CNIAddress, CNIError, CNIInterface, CNIResult, CNIRoute

__all__ = ["parse_result"]

DECODE_FAILURE = 6


def parse_result(raw: Mapping[str, Any], cni_version: str) -> CNIResult:
    try:
        interfaces = tuple(
            CNIInterface(
                name=str(item["name"]),
                mac=str(item.get("mac", "")),
                sandbox=str(item.get("sandbox", "")),
            )
            for item in raw.get("interfaces") or ()
        )
        ips = tuple(_address(item, len(interfaces)) for item in raw.get("ips") or ())
        routes = tuple(
            CNIRoute(
                dst=str(ipaddress.ip_network(item["dst"], strict=False)), gw=item.get("gw", "")
            )
            for item in raw.get("routes") or ()
        )
        dns = raw.get("dns") or {}
        nameservers = tuple(str(server) for server in dns.get("nameservers") or ())
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CNIError(DECODE_FAILURE, "malformed CNI result", f"{exc!r} in {dict(raw)}") from None
    return CNIResult(
        cni_version=str(raw.get("cniVersion") or cni_version),
        interfaces=interfaces,
        ips=ips,
        routes=routes,
        dns_nameservers=nameservers,
    )


def _address(item: Mapping[str, Any], interfaces: int) -> CNIAddress:
    address = str(item["address"])
    ipaddress.ip_interface(address)
    if "/" not in address:
        raise ValueError(f"address {address!r} lacks a prefix length")
    index = item.get("interface")
    if index is not None and not (isinstance(index, int) and 0 <= index < interfaces):
        raise ValueError(f"interface index {index!r} out of range")
    gateway = str(item.get("gateway", ""))
    if gateway:
        ipaddress.ip_address(gateway)
    return CNIAddress(address=address, gateway=gateway, interface=index)
