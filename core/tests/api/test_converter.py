"""The converter: Kubernetes JSON in and out, strict types, errors with JSON paths."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from microkube.api import (
    IntOrString,
    Quantity,
    StructureError,
    from_dict,
    from_dict_lenient,
    to_dict,
)
from microkube.api.core_v1 import Container, Event, Pod, PodSpec, Service
from microkube.api.meta_v1 import MicroTime, ObjectMeta, Time


def pod(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


def errors_of(data: Any, cls: type | None = None) -> list[str]:
    with pytest.raises(StructureError) as info:
        from_dict(data, cls)
    assert "\n" not in str(info.value)  # one line, whatever the number of problems
    return [str(e) for e in info.value.errors]


# -- unknown fields -----------------------------------------------------------------------------


def test_unknown_fields_are_errors_with_their_path() -> None:
    data = pod(containers=[{"name": "c", "image": "nginx"}, {"name": "d", "imagee": "x"}])
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert str(info.value) == "unknown fields (imagee) @ $.spec.containers[1]"
    assert info.value.unknown_fields == ["spec.containers[1].imagee"]


def test_every_unknown_field_is_reported_at_once() -> None:
    data = pod(containers=[{"name": "c", "zzz": 1, "aaa": 2}], hostNetwrk=True)
    data["extra"] = {}
    data["metadata"]["lables"] = {"a": "b"}
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert sorted(info.value.unknown_fields) == [
        "extra",
        "metadata.lables",
        "spec.containers[0].aaa",
        "spec.containers[0].zzz",
        "spec.hostNetwrk",
    ]


def test_lenient_mode_drops_unknown_fields_and_returns_their_paths() -> None:
    data = pod(containers=[{"name": "c", "imagee": "x", "image": "nginx"}])
    data["status"] = {"phase": "Running", "bogus": 1}
    obj, unknown = from_dict_lenient(data)
    assert sorted(unknown) == ["spec.containers[0].imagee", "status.bogus"]
    assert isinstance(obj, Pod)
    assert obj.spec.containers[0].image == "nginx"
    assert to_dict(obj)["spec"]["containers"] == [{"name": "c", "image": "nginx"}]
    assert obj.status.phase == "Running"


def test_lenient_mode_without_unknown_fields_returns_no_paths() -> None:
    obj, unknown = from_dict_lenient(pod(containers=[{"name": "c"}]), Pod)
    assert unknown == [] and obj.spec.containers == [Container(name="c")]


def test_lenient_mode_still_rejects_wrong_types() -> None:
    with pytest.raises(StructureError) as info:
        from_dict_lenient(pod(containers=[{"name": 5, "imagee": "x"}]))
    assert [str(e) for e in info.value.errors] == [
        "expected string, got number 5 @ $.spec.containers[0].name"
    ]


# -- types --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"priority": "high"}, "expected integer, got string 'high' @ $.spec.priority"),
        ({"priority": "5"}, "expected integer, got string '5' @ $.spec.priority"),
        ({"priority": 1.5}, "expected integer, got number 1.5 @ $.spec.priority"),
        ({"priority": True}, "expected integer, got boolean True @ $.spec.priority"),
        ({"hostNetwork": "false"}, "expected boolean, got string 'false' @ $.spec.hostNetwork"),
        ({"hostNetwork": 0}, "expected boolean, got number 0 @ $.spec.hostNetwork"),
        ({"nodeName": 7}, "expected string, got number 7 @ $.spec.nodeName"),
        ({"nodeName": ["a"]}, "expected string, got array @ $.spec.nodeName"),
        ({"containers": {"name": "c"}}, "expected array, got object @ $.spec.containers"),
        ({"containers": ["c"]}, "expected object, got string 'c' @ $.spec.containers[0]"),
        (
            {"containers": [{"name": "c", "args": "sleep 1"}]},
            "expected array, got string 'sleep 1' @ $.spec.containers[0].args",
        ),
        ({"nodeSelector": ["a=b"]}, "expected object, got array @ $.spec.nodeSelector"),
        (
            {"nodeSelector": {"zone": 1}},
            "expected string, got number 1 @ $.spec.nodeSelector[zone]",
        ),
        ({"hostPID": "yes"}, "expected boolean, got string 'yes' @ $.spec.hostPID"),
        (
            {"containers": [{"name": "c", "resources": {"requests": {"cpu": "1 core"}}}]},
            "quantity '1 core': not a number with an optional suffix"
            " @ $.spec.containers[0].resources.requests[cpu]",
        ),
        (
            {"containers": [{"name": "c", "resources": {"limits": {"memory": True}}}]},
            "expected quantity (string or number), got boolean True"
            " @ $.spec.containers[0].resources.limits[memory]",
        ),
        (
            {"containers": [{"name": "c", "ports": [{"containerPort": "80"}]}]},
            "expected integer, got string '80' @ $.spec.containers[0].ports[0].containerPort",
        ),
        (
            {"containers": [{"name": "c", "livenessProbe": {"httpGet": {"port": 80.5}}}]},
            "expected integer or string, got number 80.5"
            " @ $.spec.containers[0].livenessProbe.httpGet.port",
        ),
    ],
)
def test_wrong_json_types_are_readable_one_line_errors(spec: dict, message: str) -> None:
    assert errors_of(pod(**spec)) == [message]


def test_time_errors_name_the_value_and_path() -> None:
    data = {"kind": "Pod", "apiVersion": "v1", "metadata": {"creationTimestamp": "yesterday"}}
    [message] = errors_of(data)
    assert message.startswith("time 'yesterday': not an RFC 3339 timestamp")
    assert message.endswith("@ $.metadata.creationTimestamp")
    assert errors_of({"metadata": {"creationTimestamp": 5}}, Pod) == [
        "expected RFC 3339 time string, got number 5 @ $.metadata.creationTimestamp"
    ]


def test_several_errors_are_all_reported() -> None:
    found = errors_of(pod(priority="x", hostNetwork="y", oops=1))
    assert len(found) == 3


def test_top_level_problems() -> None:
    assert errors_of([1, 2]) == ["expected object, got array @ $"]
    assert errors_of({"kind": "Pod"}) == ["apiVersion and kind are required @ $"]
    assert errors_of({"apiVersion": "v1", "kind": "Nope"}) == [
        "no kind 'Nope' is registered in apiVersion 'v1' @ $"
    ]
    assert errors_of({"apiVersion": "v1", "kind": "Service"}, Pod) == [
        "kind 'Service' given where Pod was expected @ $"
    ]
    assert errors_of("spec", PodSpec) == ["expected object, got string 'spec' @ $"]


# -- shapes -------------------------------------------------------------------------------------


def test_kind_is_found_by_api_version_and_kind() -> None:
    assert isinstance(from_dict({"apiVersion": "v1", "kind": "Service"}), Service)
    assert type(from_dict({"apiVersion": "apps/v1", "kind": "Deployment"})).__name__ == (
        "Deployment"
    )


def test_type_meta_is_filled_in_and_always_written() -> None:
    assert to_dict(Pod()) == {"apiVersion": "v1", "kind": "Pod"}
    assert to_dict(from_dict({}, Pod)) == {"apiVersion": "v1", "kind": "Pod"}


def test_quantities_are_written_in_canonical_form() -> None:
    data = pod(
        containers=[
            {
                "name": "c",
                "resources": {
                    "requests": {"cpu": 1, "memory": "1.5Gi", "ephemeral-storage": 1073741824},
                    "limits": {"cpu": 0.5, "memory": "2048Mi", "nvidia.com/gpu": "1000m"},
                },
            }
        ]
    )
    resources = to_dict(from_dict(data))["spec"]["containers"][0]["resources"]
    assert resources == {
        "requests": {"cpu": "1", "memory": "1536Mi", "ephemeral-storage": "1073741824"},
        "limits": {"cpu": "500m", "memory": "2Gi", "nvidia.com/gpu": "1"},
    }
    obj = from_dict(data)
    assert obj.spec.containers[0].resources.limits["cpu"] == Quantity("500m")


def test_int_or_string_keeps_its_json_type() -> None:
    data = {
        "apiVersion": "v1",
        "kind": "Service",
        "spec": {
            "ports": [
                {"port": 80, "targetPort": 8080},
                {"port": 81, "targetPort": "8080"},
                {"port": 82, "targetPort": "http"},
            ]
        },
    }
    svc = from_dict(data)
    assert [p.target_port for p in svc.spec.ports] == [
        IntOrString(8080),
        IntOrString("8080"),
        IntOrString("http"),
    ]
    assert to_dict(svc) == data


def test_nulls_are_accepted_and_omitted() -> None:
    data = pod(containers=None, nodeName=None)
    data["metadata"]["creationTimestamp"] = None
    data["status"] = None
    assert to_dict(from_dict(data)) == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {},
    }


def test_present_but_empty_values_round_trip() -> None:
    data = pod(
        containers=[{"name": "c", "args": [], "env": [], "resources": {}, "securityContext": {}}],
        volumes=[{"name": "v", "emptyDir": {}}],
        nodeSelector={},
    )
    data["metadata"]["labels"] = {}
    data["metadata"]["annotations"] = {"empty": ""}
    data["status"] = {}
    assert to_dict(from_dict(data)) == data


def test_times_are_written_as_their_field_declares() -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    event = Event(
        metadata=ObjectMeta(name="e", creation_timestamp=when),  # plain datetime in a Time
        event_time=Time.from_datetime(when),  # a Time in a MicroTime field
        first_timestamp=MicroTime.from_datetime(when),  # a MicroTime in a Time field
    )
    out = to_dict(event)
    assert out["metadata"]["creationTimestamp"] == "2024-01-02T03:04:05Z"
    assert out["eventTime"] == "2024-01-02T03:04:05.123456Z"
    assert out["firstTimestamp"] == "2024-01-02T03:04:05Z"
    again = from_dict(out)
    assert type(again.event_time) is MicroTime and type(again.first_timestamp) is Time


def test_raw_json_fields_pass_through_untouched() -> None:
    legacy = {"pdName": "my-data-disk", "fsType": "ext4", "partition": 1, "readOnly": False}
    data = pod(volumes=[{"name": "v", "gcePersistentDisk": legacy}])
    obj = from_dict(data)
    assert obj.spec.volumes[0].gce_persistent_disk == legacy
    assert to_dict(obj) == data


def test_to_dict_returns_fresh_containers() -> None:
    obj = from_dict(pod(nodeSelector={"a": "b"}))
    out = to_dict(obj)
    out["spec"]["nodeSelector"]["a"] = "changed"
    assert obj.spec.node_selector == {"a": "b"}


def test_structure_builds_equal_objects_from_equal_data() -> None:
    data = pod(containers=[{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}])
    assert from_dict(data) == from_dict(to_dict(from_dict(data)))
    assert from_dict(data) != from_dict(pod(containers=[{"name": "c"}]))
