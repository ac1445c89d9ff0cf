"""The ``userspace`` backend's options: its section of the configuration, validated here.

Keys are dashed as in the rest of the configuration; unknown keys and bad values raise
:class:`microkube.config.ConfigError` naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from microkube.config import positive, structure_options


def _device(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not value or len(value) > 7 or not value.replace("-", "").isalnum():
        # The address label is "<device>:mkproxy", at most 15 characters.
        raise ValueError(f"device must be an interface name of 1-7 characters, got {value!r}")


@attrs.frozen(kw_only=True)
class UserspaceOptions:
    #: Where service IPs (cluster, external, load-balancer) are added as /32 addresses so the
    #: listeners can bind them (there is no dummy link kind on these machines).
    device: str = attrs.field(default="lo", validator=_device)
    #: Seconds one connection attempt to an endpoint may take before the next one is tried.
    connect_timeout: float = attrs.field(default=1.0, validator=positive)
    #: How many endpoints a new TCP connection tries before it is given up (reset).
    connect_attempts: int = attrs.field(default=3, validator=positive)
    #: Bytes read at once, and the most a side buffers before the other side stops reading.
    buffer_bytes: int = attrs.field(default=65536, validator=positive)
    #: Seconds a UDP client's flow to its endpoint lives without traffic.
    udp_idle_timeout: float = attrs.field(default=30.0, validator=positive)
    #: UDP flows per listener at most; datagrams of further new clients are dropped.
    udp_max_flows: int = attrs.field(default=4096, validator=positive)
    #: TCP connections per listener at most; further ones are reset at once.
    tcp_max_connections: int = attrs.field(default=4096, validator=positive)
    #: Proxy in a network namespace given by path (``/proc/<pid>/ns/net``) instead of the
    #: current one: listeners, endpoint connections and addresses are made inside it.
    netns: str | None = None


def parse_options(options: Mapping[str, Any]) -> UserspaceOptions:
    """Validate the ``userspace`` options section (an empty mapping gives the defaults)."""
    return structure_options(UserspaceOptions, options, "options.userspace")
