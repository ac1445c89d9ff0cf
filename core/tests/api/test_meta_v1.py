"""meta/v1: times, ObjectMeta, ListMeta, selectors, conditions and the Status body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microkube.api import from_dict, to_dict
from microkube.api.meta_v1 import (
    Condition,
    DeleteOptions,
    LabelSelector,
    LabelSelectorRequirement,
    ListMeta,
    ManagedFieldsEntry,
    MicroTime,
    ObjectMeta,
    OwnerReference,
    Status,
    StatusCause,
    StatusDetails,
    Time,
    format_micro_time,
    format_time,
    parse_time,
)


def test_time_parses_rfc3339_into_utc() -> None:
    t = Time.parse("2024-01-02T03:04:05Z")
    assert isinstance(t, Time) and isinstance(t, datetime)
    assert t == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert t.tzinfo is UTC
    assert Time.parse("2024-01-02T05:34:05+02:30") == t
    assert Time.parse("2024-01-01T22:04:05-05:00") == t
    assert Time.parse("2024-01-02t03:04:05z") == t
    assert Time.parse("2024-01-02T03:04:05.987654321Z").microsecond == 987654


@pytest.mark.parametrize(
    "bad",
    ["", "2024-01-02", "2024-01-02 03:04:05Z", "2024-01-02T03:04:05", "2024-13-02T03:04:05Z",
     "2024-01-02T25:04:05Z", "yesterday", "2024-01-02T03:04:05+0200", "\u0662024-01-02T03:04:05Z"],
)  # fmt: skip
def test_time_rejects_what_is_not_rfc3339(bad: str) -> None:
    with pytest.raises(ValueError, match="time"):
        parse_time(bad)


def test_time_and_microtime_format() -> None:
    t = Time(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    assert str(t) == "2024-01-02T03:04:05Z"  # seconds only, as metav1.Time marshals
    assert str(MicroTime.from_datetime(t)) == "2024-01-02T03:04:05.123456Z"
    assert str(MicroTime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05.000000Z"
    plus_two = timezone(timedelta(hours=2))
    assert format_time(datetime(2024, 1, 2, 5, 4, 5, tzinfo=plus_two)) == "2024-01-02T03:04:05Z"
    assert format_micro_time(datetime(2024, 1, 2, 3, 4, 5, 7, tzinfo=UTC)).endswith(".000007Z")
    with pytest.raises(ValueError, match="naive"):
        format_time(datetime(2024, 1, 2))
    with pytest.raises(ValueError, match="naive"):
        Time.from_datetime(datetime(2024, 1, 2))


def test_time_behaves_like_a_datetime() -> None:
    t = Time.parse("2024-01-02T03:04:05Z")
    later = t + timedelta(seconds=30)
    assert isinstance(later, Time) and str(later) == "2024-01-02T03:04:35Z"
    assert later - t == timedelta(seconds=30)
    now = Time.now()
    assert now.tzinfo is UTC and abs(datetime.now(UTC) - now) < timedelta(seconds=5)


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 1, 1),
                    timezones=st.just(UTC)))  # fmt: skip
def test_time_text_round_trips(value: datetime) -> None:
    assert MicroTime.parse(str(MicroTime.from_datetime(value))) == value
    assert Time.parse(format_time(value)) == value.replace(microsecond=0)


def test_object_meta_round_trips_every_field() -> None:
    data = {
        "name": "web-0",
        "generateName": "web-",
        "namespace": "default",
        "selfLink": "/api/v1/namespaces/default/pods/web-0",
        "uid": "3c1b2a9e-0000-4000-8000-000000000001",
        "resourceVersion": "42",
        "generation": 3,
        "creationTimestamp": "2024-01-02T03:04:05Z",
        "deletionTimestamp": "2024-01-02T04:04:05Z",
        "deletionGracePeriodSeconds": 30,
        "labels": {"app": "web"},
        "annotations": {"note": ""},
        "ownerReferences": [
            {
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "name": "web",
                "uid": "3c1b2a9e-0000-4000-8000-000000000002",
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
        "finalizers": ["example.com/cleanup"],
        "managedFields": [
            {
                "manager": "kubectl",
                "operation": "Apply",
                "apiVersion": "v1",
                "time": "2024-01-02T03:04:05Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}}},
                "subresource": "status",
            }
        ],
    }
    meta = from_dict(data, ObjectMeta)
    assert meta.creation_timestamp == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert meta.owner_references == [
        OwnerReference(
            api_version="apps/v1",
            kind="StatefulSet",
            name="web",
            uid="3c1b2a9e-0000-4000-8000-000000000002",
            controller=True,
            block_owner_deletion=True,
        )
    ]
    assert meta.managed_fields[0].fields_v1 == {"f:metadata": {"f:labels": {"f:app": {}}}}
    assert to_dict(meta) == data


def test_empty_models_serialize_to_empty_objects() -> None:
    assert to_dict(ObjectMeta()) == {}
    assert to_dict(ManagedFieldsEntry(fields_v1={})) == {"fieldsV1": {}}


def test_list_meta_continue_token() -> None:
    meta = ListMeta(resource_version="10", continue_="abc", remaining_item_count=5)
    assert to_dict(meta) == {"resourceVersion": "10", "continue": "abc", "remainingItemCount": 5}
    assert from_dict({"continue": "abc"}, ListMeta).continue_ == "abc"


def test_label_selector_and_condition() -> None:
    selector = LabelSelector(
        match_labels={"app": "web"},
        match_expressions=[LabelSelectorRequirement(key="tier", operator="In", values=["fe"])],
    )
    assert to_dict(selector) == {
        "matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe"]}],
    }
    condition = Condition(
        type="Available",
        status="True",
        observed_generation=2,
        last_transition_time=Time.parse("2024-01-02T03:04:05Z"),
        reason="MinimumReplicasAvailable",
        message="ok",
    )
    assert from_dict(to_dict(condition), Condition) == condition


def test_status_error_body_matches_kubernetes() -> None:
    status = Status(
        status="Failure",
        message='pods "web" not found',
        reason="NotFound",
        details=StatusDetails(name="web", kind="pods"),
        code=404,
        metadata=ListMeta(),
    )
    assert to_dict(status) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "web" not found',
        "reason": "NotFound",
        "details": {"name": "web", "kind": "pods"},
        "code": 404,
    }
    invalid = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": "Invalid",
        "code": 422,
        "details": {
            "name": "web",
            "kind": "Pod",
            "causes": [
                {
                    "reason": "FieldValueRequired",
                    "message": "Required value",
                    "field": "spec.containers",
                }
            ],
            "retryAfterSeconds": 1,
        },
    }
    parsed = from_dict(invalid)
    assert isinstance(parsed, Status)
    assert parsed.details.causes == [
        StatusCause(reason="FieldValueRequired", message="Required value", field="spec.containers")
    ]
    assert to_dict(parsed) == invalid


def test_delete_options_keep_their_optional_type_meta() -> None:
    body = {
        "kind": "DeleteOptions",
        "apiVersion": "meta.k8s.io/v1",
        "propagationPolicy": "Foreground",
    }
    assert to_dict(from_dict(body, DeleteOptions)) == body
    bare = {"gracePeriodSeconds": 0, "preconditions": {"uid": "u", "resourceVersion": "7"}}
    assert to_dict(from_dict(bare, DeleteOptions)) == bare
