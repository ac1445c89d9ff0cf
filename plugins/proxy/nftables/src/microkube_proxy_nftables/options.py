"""The nftables backend's options: its ``options.nftables`` section of the configuration.

```yaml
options:
  nftables:
    table: microkube          # the `ip` table it owns (flushed and rebuilt on full sync)
    netns: /proc/1234/ns/net  # program another network namespace (default: this one)
    engine: library           # library (libnftables in-process) | command (the nft CLI)
    masquerade-bit: 0x4000    # fwmark bit that asks postrouting to masquerade
    conntrack-cleanup: true   # delete UDP conntrack entries of removed endpoints
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from microkube.config import structure_options

__all__ = ["NftablesOptions", "parse_options"]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,30}$")


def _table(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not _NAME.match(value):
        raise ValueError(f"table: {value!r} is not an nftables table name (letters, digits, _-)")


def _bit(instance: object, attribute: attrs.Attribute, value: int) -> None:
    if value <= 0 or value & (value - 1) or value >= 1 << 32:
        raise ValueError(f"masquerade-bit: {value:#x} must be a single bit of a 32-bit mark")


@attrs.frozen(kw_only=True)
class NftablesOptions:
    table: str = attrs.field(default="microkube", validator=_table)
    netns: str | None = None
    engine: str = attrs.field(
        default="library", validator=attrs.validators.in_(("library", "command"))
    )
    masquerade_bit: int = attrs.field(default=0x4000, validator=_bit)
    conntrack_cleanup: bool = True


def parse_options(options: Mapping[str, Any]) -> NftablesOptions:
    """Validate the ``nftables`` options section (an empty mapping gives the defaults)."""
    return structure_options(NftablesOptions, options, "options.nftables")
