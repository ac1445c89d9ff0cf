"""kube-apiserver's default table convertor: NAME and CREATED AT, for kinds without a printer.

Roles and clusterroles use it upstream too. CREATED AT is an absolute UTC RFC 3339 time (not an
age), and Go's zero time when the object has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from microkube_apiserver.tables.duration import parse_time
from microkube_apiserver.tables.fmt import dig
from microkube_apiserver.tables.printer import CREATION_TIMESTAMP_DOC, NAME, Column, Printer

__all__ = ["DEFAULT", "created_at"]

_ZERO = "0001-01-01T00:00:00Z"


def created_at(value: object) -> str:
    """``creationTimestamp.UTC().Format(time.RFC3339)``: whole seconds, ``Z``."""
    parsed = parse_time(value)
    if parsed is None:
        return _ZERO
    utc = parsed.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"


def _default_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    return [
        dig(obj, "metadata", "name") or "",
        created_at(dig(obj, "metadata", "creationTimestamp")),
    ]


DEFAULT = Printer(
    (NAME, Column("Created At", type="date", description=CREATION_TIMESTAMP_DOC)), _default_row
)
