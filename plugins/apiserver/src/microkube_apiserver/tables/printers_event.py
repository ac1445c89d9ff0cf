"""Events: core/v1 and events.k8s.io/v1 share kube-apiserver's one (internal) Event printer.

An events.k8s.io/v1 object is read through the field names its conversion to the internal
type maps (``regarding`` -> involvedObject, ``note`` -> message, ``deprecated*`` -> source,
first/last timestamps and count).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microkube_apiserver.tables.duration import parse_time, since
from microkube_apiserver.tables.fmt import dig
from microkube_apiserver.tables.printer import NAME, Column, Printer, RowFunc

__all__ = ["CORE_EVENT", "EVENTS_V1_EVENT"]


@dataclass(frozen=True, slots=True)
class _Fields:
    """Where each internal Event field lives in one API version's JSON."""

    involved: str
    message: str
    source: str
    first: str
    last: str
    count: str
    reporting_controller: str


_CORE = _Fields(
    "involvedObject",
    "message",
    "source",
    "firstTimestamp",
    "lastTimestamp",
    "count",
    "reportingComponent",
)
_EVENTS_V1 = _Fields(
    "regarding",
    "note",
    "deprecatedSource",
    "deprecatedFirstTimestamp",
    "deprecatedLastTimestamp",
    "deprecatedCount",
    "reportingController",
)


def _source(event: Mapping[str, Any], fields: _Fields) -> str:
    """``formatEventSource``: component (or reporting controller), then host (or instance)."""
    source = event.get(fields.source) or {}
    component = source.get("component") or event.get(fields.reporting_controller) or ""
    instance = source.get("host") or event.get("reportingInstance") or ""
    return f"{component}, {instance}" if instance else component


def _event_row(fields: _Fields) -> RowFunc:
    def row(event: Mapping[str, Any], now: datetime) -> list[Any]:
        first_time = parse_time(event.get(fields.first))
        first = since(first_time, now) if first_time else since(event.get("eventTime"), now)
        last_time = parse_time(event.get(fields.last))
        last = since(last_time, now) if last_time else first
        count = int(event.get(fields.count) or 0)
        series = event.get("series")
        if series is not None:
            last = since(series.get("lastObservedTime"), now)
            count = int(series.get("count") or 0)
        elif count == 0:  # singleton events of the new API carry no count
            count = 1
        involved = event.get(fields.involved) or {}
        kind = str(involved.get("kind") or "").lower()
        target = f"{kind}/{involved['name']}" if involved.get("name") else kind
        return [
            last,
            event.get("type") or "",
            event.get("reason") or "",
            target,
            involved.get("fieldPath") or "",
            _source(event, fields),
            str(event.get(fields.message) or "").strip(),
            first,
            count,
            dig(event, "metadata", "name") or "",
        ]

    return row


_COLUMNS = (
    Column(
        "Last Seen",
        description="The time at which the most recent occurrence of this event was recorded.",
    ),
    Column(
        "Type",
        description="Type of this event (Normal, Warning), new types could be added in the future",
    ),
    Column(
        "Reason",
        description="This should be a short, machine understandable string that gives the "
        "reason for the transition into the object's current status.",
    ),
    Column("Object", description="The object that this event is about."),
    Column(
        "Subobject",
        priority=1,
        description="If referring to a piece of an object instead of an entire object, this "
        "string should contain a valid JSON/Go field access statement.",
    ),
    Column("Source", priority=1, description="The component reporting this event."),
    Column("Message", description="A human-readable description of the status of this operation."),
    Column(
        "First Seen",
        priority=1,
        description="The time at which the event was first recorded.",
    ),
    Column("Count", priority=1, description="The number of times this event has occurred."),
    Column(NAME.name, format=NAME.format, priority=1, description=NAME.description),
)

CORE_EVENT = Printer(_COLUMNS, _event_row(_CORE))
EVENTS_V1_EVENT = Printer(_COLUMNS, _event_row(_EVENTS_V1))
