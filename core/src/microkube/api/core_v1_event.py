"""core/v1 Event (the events.k8s.io/v1 Event is the same object seen through another API)."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.core_v1_common import ObjectReference
from microkube.api.meta_v1 import ListMeta, MicroTime, ObjectMeta, Time

GROUP_VERSION = "v1"


@model
class EventSource:
    component: str | None = field()
    host: str | None = field()


@model
class EventSeries:
    count: int | None = field()
    last_observed_time: MicroTime | None = field()


@model
class Event:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Event")
    metadata: ObjectMeta | None = field()
    involved_object: ObjectReference | None = field()
    reason: str | None = field()
    message: str | None = field()
    source: EventSource | None = field()
    first_timestamp: Time | None = field()
    last_timestamp: Time | None = field()
    count: int | None = field()
    type: str | None = field()  # Normal, Warning
    event_time: MicroTime | None = field()
    series: EventSeries | None = field()
    action: str | None = field()
    related: ObjectReference | None = field()
    reporting_component: str | None = field()
    reporting_instance: str | None = field()


@model
class EventList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="EventList")
    metadata: ListMeta | None = field()
    items: list[Event] | None = field()
