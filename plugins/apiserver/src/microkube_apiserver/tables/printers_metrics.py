"""NodeMetrics and PodMetrics rows as metrics-server prints them (``pkg/api/table.go``): the
name, one column per resource (a pod's usage summed over its containers), and the window."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from microkube.api import Quantity
from microkube_apiserver.tables.printer import Column, Printer

__all__ = ["NODE_METRICS", "POD_METRICS"]

_RESOURCES = ("cpu", "memory")
_COLUMNS = (
    Column("Name", format="name", description="Name of the resource"),
    Column("cpu", format="quantity"),
    Column("memory", format="quantity"),
    Column("Window", format="duration"),
)


def _sum(values: list[Any]) -> str:
    """The sum of quantities, written as the first one's format (Go's ``Quantity.Add``)."""
    quantities = [Quantity(v) for v in values if v is not None]
    if not quantities:
        return "0"
    total = sum((q.as_decimal() for q in quantities), Decimal(0))
    return str(Quantity.from_decimal(total, quantities[0].format))


def _node_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    usage = obj.get("usage") or {}
    name = (obj.get("metadata") or {}).get("name") or ""
    return [name, *(_sum([usage.get(r)]) for r in _RESOURCES), obj.get("window") or ""]


def _pod_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    containers = obj.get("containers") or []
    name = (obj.get("metadata") or {}).get("name") or ""
    sums = [_sum([(c.get("usage") or {}).get(r) for c in containers]) for r in _RESOURCES]
    return [name, *sums, obj.get("window") or ""]


NODE_METRICS = Printer(_COLUMNS, _node_row)
POD_METRICS = Printer(_COLUMNS, _pod_row)
