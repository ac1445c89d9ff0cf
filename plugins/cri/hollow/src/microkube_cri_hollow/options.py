"""The ``hollow`` runtime's options: its section of the configuration, validated here.

Keys are dashed as in the rest of the configuration; unknown keys and bad values raise
:class:`microkube.config.ConfigError` naming the key.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import attrs

from microkube.config import not_negative, structure_options


def _network(instance: object, attribute: attrs.Attribute, value: str) -> None:
    try:
        ipaddress.ip_network(value)
    except ValueError as exc:
        raise ValueError(f"{attribute.name.replace('_', '-')}: {exc}") from None


@attrs.frozen(kw_only=True)
class HollowOptions:
    #: Seconds between start_container and the container reporting RUNNING.
    start_delay: float = attrs.field(default=0.0, validator=not_negative)
    #: Seconds a container runs before exiting on its own (None: until stopped, unless its
    #: command is one the runtime emulates, such as ``sleep 5``).
    exit_after: float | None = None
    #: The exit code of a container that exits on its own after ``exit-after``.
    exit_code: int = 0
    #: Where pod IPs come from (give each hollow node its own range).
    pod_cidr: str = attrs.field(default="10.88.0.0/16", validator=_network)
    #: The IP reported for host-network pods.
    node_ip: str = "127.0.0.1"
    #: Usage reported by container_stats for a running container.
    cpu_millicores: int = attrs.field(default=0, validator=not_negative)
    memory_bytes: int = attrs.field(default=0, validator=not_negative)


def parse_options(options: Mapping[str, Any]) -> HollowOptions:
    """Validate the ``hollow`` options section (an empty mapping gives the defaults)."""
    return structure_options(HollowOptions, options, "options.hollow")
