"""events.k8s.io/v1: Event, the structured successor of core/v1 Event.

It is the same stored object as core/v1 Event under other field names: ``note`` is core's
``message``, ``regarding`` its ``involvedObject``, and the ``deprecated*`` fields carry core's
``source``, ``firstTimestamp``, ``lastTimestamp`` and ``count``.
"""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.core_v1 import EventSource, ObjectReference
from microkube.api.meta_v1 import ListMeta, MicroTime, ObjectMeta, Time

GROUP_VERSION = "events.k8s.io/v1"


@model
class EventSeries:
    count: int | None = field()
    last_observed_time: MicroTime | None = field()


@model
class Event:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Event")
    metadata: ObjectMeta | None = field()
    event_time: MicroTime | None = field()
    series: EventSeries | None = field()
    reporting_controller: str | None = field()
    reporting_instance: str | None = field()
    action: str | None = field()
    reason: str | None = field()
    regarding: ObjectReference | None = field()
    related: ObjectReference | None = field()
    note: str | None = field()
    type: str | None = field()  # "Normal" or "Warning"
    deprecated_source: EventSource | None = field()
    deprecated_first_timestamp: Time | None = field()
    deprecated_last_timestamp: Time | None = field()
    deprecated_count: int | None = field()


@model
class EventList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="EventList")
    metadata: ListMeta | None = field()
    items: list[Event] | None = field()


KINDS: tuple[type, ...] = (Event, EventList)
