"""events.k8s.io/v1 Event: MicroTime eventTime, series, deprecated core fields."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from microkube.api import StructureError, from_dict, kind_for, to_dict
from microkube.api.core_v1 import EventSource, ObjectReference
from microkube.api.events_v1 import KINDS, Event, EventSeries
from microkube.api.meta_v1 import MicroTime, ObjectMeta, Time

GV = "events.k8s.io/v1"

EVENT = {
    "apiVersion": GV,
    "kind": "Event",
    "metadata": {"name": "web-6d4cf56db6-k8mzt.1809a7b0c1d2e3f4", "namespace": "default"},
    "eventTime": "2024-11-20T13:02:11.000128Z",
    "series": {"count": 14, "lastObservedTime": "2024-11-20T13:09:40.771204Z"},
    "reportingController": "kubelet",
    "reportingInstance": "node-2",
    "action": "Pulling",
    "reason": "BackOff",
    "regarding": {
        "apiVersion": "v1",
        "kind": "Pod",
        "name": "web-6d4cf56db6-k8mzt",
        "namespace": "default",
        "fieldPath": "spec.containers{web}",
    },
    "related": {"apiVersion": "v1", "kind": "Node", "name": "node-2"},
    "note": 'Back-off pulling image "registry.example.com/web:2.1"',
    "type": "Warning",
    "deprecatedSource": {"component": "kubelet", "host": "node-2"},
    "deprecatedFirstTimestamp": "2024-11-20T13:02:11Z",
    "deprecatedLastTimestamp": "2024-11-20T13:09:40Z",
    "deprecatedCount": 14,
}


def test_event_fields_are_typed() -> None:
    ev = from_dict(EVENT)
    assert isinstance(ev, Event)
    assert isinstance(ev.event_time, MicroTime)
    assert ev.event_time == datetime(2024, 11, 20, 13, 2, 11, 128, tzinfo=UTC)
    assert isinstance(ev.series, EventSeries)
    assert ev.series.count == 14
    assert isinstance(ev.series.last_observed_time, MicroTime)
    assert isinstance(ev.regarding, ObjectReference)
    assert ev.regarding.field_path == "spec.containers{web}"
    assert ev.related.kind == "Node"
    assert ev.deprecated_source == EventSource(component="kubelet", host="node-2")
    assert isinstance(ev.deprecated_first_timestamp, Time)
    assert not isinstance(ev.deprecated_first_timestamp, MicroTime)
    assert ev.deprecated_count == 14


def test_event_round_trips_exactly() -> None:
    assert to_dict(from_dict(copy.deepcopy(EVENT))) == EVENT


def test_times_are_written_with_their_declared_precision() -> None:
    when = datetime(2024, 11, 20, 10, 7, 0, 418652, tzinfo=UTC)
    ev = Event(
        metadata=ObjectMeta(name="p.1", namespace="default"),
        event_time=MicroTime.from_datetime(when),
        deprecated_first_timestamp=Time.from_datetime(when),
        reporting_controller="default-scheduler",
        reporting_instance="default-scheduler-cp",
        action="Binding",
        reason="Scheduled",
        type="Normal",
    )
    out = to_dict(ev)
    assert out["eventTime"] == "2024-11-20T10:07:00.418652Z"
    assert out["deprecatedFirstTimestamp"] == "2024-11-20T10:07:00Z"


def test_core_event_field_names_are_unknown_here() -> None:
    data = copy.deepcopy(EVENT)
    data["involvedObject"] = data.pop("regarding")
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert info.value.unknown_fields == ["involvedObject"]


def test_unknown_nested_field_is_rejected_with_its_path() -> None:
    data = copy.deepcopy(EVENT)
    data["series"]["state"] = "Ongoing"  # removed from the series in events.k8s.io/v1
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert info.value.unknown_fields == ["series.state"]


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_every_kind_is_registered_and_writes_its_type_meta(cls: type) -> None:
    assert kind_for(GV, cls.__name__) is cls
    assert to_dict(cls()) == {"apiVersion": GV, "kind": cls.__name__}
