"""The node's IPs as kube-proxy uses them: the Node's InternalIP and ExternalIP addresses."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

__all__ = ["node_ips"]

_TYPES = ("InternalIP", "ExternalIP")


def node_ips(node: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The Node's InternalIP then ExternalIP addresses (valid IPs only, no duplicates)."""
    if not node:
        return ()
    addresses = (node.get("status") or {}).get("addresses") or ()
    found: list[str] = []
    for kind in _TYPES:
        for item in addresses:
            ip = item.get("address") or ""
            if item.get("type") != kind or ip in found:
                continue
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                continue
            found.append(ip)
    return tuple(found)
