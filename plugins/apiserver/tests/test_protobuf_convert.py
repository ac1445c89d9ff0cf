"""Conversion rules, checked on bodies built here by hand (a few lines of encoder below)."""

from __future__ import annotations

import pytest
from microkube_apiserver.protobuf import (
    MAGIC,
    MEDIA_TYPE,
    ProtobufError,
    UnsupportedKindError,
    decode_envelope,
    decode_object,
    supported_kinds,
)
from microkube_apiserver.protobuf.schema import build_registry
from microkube_apiserver.protobuf.wellknown import format_go_duration


def varint(value: int) -> bytes:
    value &= 2**64 - 1  # negative numbers travel as ten-byte two's complement
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def num(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def blob(number: int, data: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(data)) + data


def text(number: int, value: str) -> bytes:
    return blob(number, value.encode())


def entry(number: int, key: str, value: bytes | None) -> bytes:
    return blob(number, text(1, key) + (b"" if value is None else blob(2, value)))


def envelope(
    api_version: str, kind: str, raw: bytes, content_type: str = "", encoding: str = ""
) -> bytes:
    type_meta = text(1, api_version) + text(2, kind)
    return MAGIC + blob(1, type_meta) + blob(2, raw) + text(3, encoding) + text(4, content_type)


def meta(name: str) -> bytes:
    return blob(1, text(1, name))


def time_msg(seconds: int, nanos: int = 0) -> bytes:
    return num(1, seconds) + num(2, nanos)


def container(*fields: bytes) -> bytes:
    return text(1, "c") + b"".join(fields)


def pod_spec(*containers: bytes, extra: bytes = b"") -> bytes:
    return b"".join(blob(2, c) for c in containers) + extra


def decode_pod(spec: bytes) -> dict:
    return decode_object(meta("p") + blob(2, spec), "v1", "Pod")


# --- envelope -------------------------------------------------------------------------------


def test_envelope_yields_kind_api_version_and_object() -> None:
    body = envelope("v1", "ConfigMap", meta("cm") + entry(2, "k", b"v"), content_type=MEDIA_TYPE)
    assert decode_envelope(body) == {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"name": "cm"},
        "data": {"k": "v"},
    }
    assert decode_envelope(bytearray(body)) == decode_envelope(memoryview(body))


def test_envelope_with_json_content_type_carries_json() -> None:
    body = envelope("v1", "ConfigMap", b'{"data": {"a": "b"}}', content_type="application/json")
    assert decode_envelope(body) == {"kind": "ConfigMap", "apiVersion": "v1", "data": {"a": "b"}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "magic"),
        (b'{"kind": "Pod"}', "magic"),
        (b"k8s", "magic"),
        (MAGIC + blob(2, meta("x")), "typeMeta has no kind"),
        (envelope("v1", "ConfigMap", b"", encoding="gzip"), "contentEncoding 'gzip'"),
        (envelope("v1", "ConfigMap", b"", content_type="application/yaml"), "contentType"),
        (envelope("v1", "ConfigMap", b"[1]", content_type="application/json"), "not an object"),
        (envelope("v1", "ConfigMap", b"{", content_type="application/json"), "not hold valid JSON"),
        (MAGIC + num(1, 5), "envelope field 1: varint wire type"),
        (MAGIC + blob(1, num(2, 1)), "typeMeta field 2: varint wire type"),
        (envelope("v1", "ConfigMap", b"") + b"\x0a", "truncated"),
    ],
)
def test_malformed_envelopes(body: bytes, message: str) -> None:
    with pytest.raises(ProtobufError, match=message) as caught:
        decode_envelope(body)
    assert caught.value.http_status == 400
    assert not isinstance(caught.value, UnsupportedKindError)


def test_unknown_kind_is_415() -> None:
    with pytest.raises(UnsupportedKindError) as caught:
        decode_envelope(envelope("example.com/v1", "Widget", b""))
    assert caught.value.http_status == 415
    assert str(caught.value) == (
        "no protobuf schema for Widget in example.com/v1; send it as application/json"
    )
    with pytest.raises(UnsupportedKindError):
        decode_envelope(envelope("v1", "Deployment", b""))  # right kind, wrong group


def test_supported_kinds_cover_what_kubectl_create_sends() -> None:
    kinds = supported_kinds()
    for key in [
        ("v1", "Namespace"),
        ("v1", "ConfigMap"),
        ("v1", "Secret"),
        ("v1", "Service"),
        ("v1", "ServiceAccount"),
        ("v1", "ResourceQuota"),
        ("apps/v1", "Deployment"),
        ("batch/v1", "Job"),
        ("batch/v1", "CronJob"),
        ("policy/v1", "PodDisruptionBudget"),
        ("rbac.authorization.k8s.io/v1", "Role"),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        ("autoscaling/v1", "HorizontalPodAutoscaler"),
        ("authentication.k8s.io/v1", "TokenRequest"),
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview"),
    ]:
        assert key in kinds


# --- which fields appear --------------------------------------------------------------------


def test_zero_scalars_follow_go_json_omitempty() -> None:
    # ContainerPort{name "", hostPort 0, containerPort 0, protocol ""}, as Go writes zeros
    port = blob(6, text(1, "") + num(2, 0) + num(3, 0) + text(4, ""))
    spec = pod_spec(container(port, num(16, 0)), extra=num(11, 0) + num(4, 0) + num(21, 0))
    obj = decode_pod(spec)["spec"]
    # containerPort has no omitempty; terminationGracePeriodSeconds and automount... are pointers.
    assert obj["containers"][0]["ports"] == [{"containerPort": 0}]
    assert "stdin" not in obj["containers"][0] and "hostNetwork" not in obj
    assert obj["terminationGracePeriodSeconds"] == 0
    assert obj["automountServiceAccountToken"] is False


def test_required_zero_values_survive() -> None:
    hpa = blob(3, num(3, 0) + num(4, 0)) + blob(
        2, blob(1, text(1, "Deployment") + text(2, "web")) + num(3, 5)
    )
    obj = decode_object(hpa, "autoscaling/v1", "HorizontalPodAutoscaler")
    assert obj["status"] == {"currentReplicas": 0, "desiredReplicas": 0}
    assert obj["spec"] == {
        "scaleTargetRef": {"kind": "Deployment", "name": "web"},
        "maxReplicas": 5,
    }


def test_empty_messages_appear_and_absent_fields_do_not() -> None:
    obj = decode_object(blob(2, b"") + blob(3, b""), "apps/v1", "Deployment")
    assert obj == {"kind": "Deployment", "apiVersion": "apps/v1", "spec": {}, "status": {}}


def test_negative_and_large_integers() -> None:
    security = blob(14, num(2, -5) + num(4, -1) + num(4, 2**40))  # runAsUser, supplementalGroups
    obj = decode_pod(pod_spec(container(), extra=security))["spec"]["securityContext"]
    assert obj == {"runAsUser": -5, "supplementalGroups": [-1, 2**40]}


def test_packed_repeated_integers() -> None:
    packed = blob(4, varint(1) + varint(2) + varint(3))
    obj = decode_pod(pod_spec(container(), extra=blob(14, packed + num(4, 4))))
    assert obj["spec"]["securityContext"]["supplementalGroups"] == [1, 2, 3, 4]


def test_unknown_fields_of_every_wire_type_are_skipped() -> None:
    unknown = (
        num(900, 1)
        + blob(901, b"\xff\xfe")
        + varint(902 << 3 | 1)
        + b"\x00" * 8
        + varint(903 << 3 | 5)
        + b"\x00" * 4
        + varint(904 << 3 | 3)
        + num(1, 1)
        + varint(904 << 3 | 4)
    )
    obj = decode_object(meta("ns") + unknown + blob(1, unknown), "v1", "Namespace")
    assert obj == {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "ns"}}


def test_repeated_singular_message_merges_and_scalar_keeps_last() -> None:
    first = blob(1, text(1, "a") + entry(11, "x", b"1"))
    second = blob(1, text(1, "b") + entry(11, "y", b"2"))
    obj = decode_object(first + second, "v1", "Namespace")
    assert obj["metadata"] == {"name": "b", "labels": {"x": "1", "y": "2"}}


def test_wrong_wire_type_for_known_field() -> None:
    with pytest.raises(
        ProtobufError, match=r"meta\.ObjectMeta\.name \(field 1\): varint wire type"
    ):
        decode_object(blob(1, num(1, 3)), "v1", "Namespace")
    with pytest.raises(ProtobufError, match=r"core\.PodSpec\.containers .*: varint"):
        decode_pod(num(2, 1))


def test_strings_bytes_and_maps() -> None:
    secret = (
        meta("s")
        + entry(2, "bin", b"\x00\xff")
        + entry(2, "empty", None)
        + entry(4, "plain", b"text")
        + text(3, "Opaque")
    )
    obj = decode_object(secret, "v1", "Secret")
    assert obj["data"] == {"bin": "AP8=", "empty": ""}
    assert obj["stringData"] == {"plain": "text"}
    bad_utf8 = decode_object(blob(1, blob(1, b"caf\xe9")), "v1", "Namespace")
    assert bad_utf8["metadata"]["name"] == "caf\ufffd"  # as Go's JSON encoder writes it


def test_map_entry_value_repeated_keeps_last_string() -> None:
    labels = blob(11, text(1, "k") + text(2, "old") + text(2, "new"))
    obj = decode_object(blob(1, labels), "v1", "Namespace")
    assert obj["metadata"]["labels"] == {"k": "new"}


def test_inline_members_join_their_parent() -> None:
    # Volume{name, VolumeSource (inline, 2){configMap (19){LocalObjectReference (inline, 1)}}}
    config_map_source = blob(19, blob(1, text(1, "settings")) + num(3, 0o644))
    volume = text(1, "cfg") + blob(2, config_map_source)
    obj = decode_pod(pod_spec(container(), extra=blob(1, volume)))
    assert obj["spec"]["volumes"] == [
        {"name": "cfg", "configMap": {"name": "settings", "defaultMode": 420}}
    ]


# --- Kubernetes' own wire types -------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (time_msg(1_700_000_000, 999), "2023-11-14T22:13:20Z"),  # Go drops the nanos
        (time_msg(0), "1970-01-01T00:00:00Z"),
        (time_msg(-1), "1969-12-31T23:59:59Z"),
        (time_msg(253402300799), "9999-12-31T23:59:59Z"),
        (time_msg(-62135596800 + 86400), "0001-01-02T00:00:00Z"),
    ],
)
def test_time(encoded: bytes, expected: str) -> None:
    obj = decode_object(blob(1, text(1, "ns") + blob(9, encoded)), "v1", "Namespace")
    assert obj["metadata"]["deletionTimestamp"] == expected


def test_zero_and_out_of_range_time() -> None:
    for zero in (b"", time_msg(-62135596800)):
        obj = decode_object(blob(1, blob(8, zero)), "v1", "Namespace")
        assert obj["metadata"] == {}  # creationTimestamp: null in Go's JSON
    with pytest.raises(ProtobufError, match="outside years 1-9999"):
        decode_object(blob(1, blob(8, time_msg(2**62))), "v1", "Namespace")


def test_quantities_in_resource_lists() -> None:
    resources = blob(
        8,
        entry(1, "cpu", text(1, "500m")) + entry(2, "memory", text(1, "64Mi")) + entry(2, "x", b""),
    )
    obj = decode_pod(pod_spec(container(resources)))
    assert obj["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "500m"},
        "requests": {"memory": "64Mi", "x": "0"},
    }


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (num(1, 0) + num(2, 8080), 8080),
        (num(2, 443), 443),
        (num(1, 0) + num(2, -1), -1),
        (num(1, 1) + text(3, "http"), "http"),
        (num(1, 1), ""),
        (b"", 0),
    ],
)
def test_int_or_string(encoded: bytes, expected: int | str) -> None:
    service = blob(2, blob(1, num(3, 80) + blob(4, encoded)))
    obj = decode_object(service, "v1", "Service")
    assert obj["spec"]["ports"] == [{"port": 80, "targetPort": expected}]


def test_int_or_string_with_unknown_type() -> None:
    with pytest.raises(ProtobufError, match="IntOrString type 2"):
        decode_object(blob(2, blob(1, blob(4, num(1, 2)))), "v1", "Service")


def test_managed_fields_hold_json() -> None:
    managed = (
        text(1, "kubectl")
        + text(2, "Apply")
        + blob(4, time_msg(0))
        + blob(7, blob(1, b'{"f:data":{}}'))
    )
    obj = decode_object(blob(1, blob(17, managed)), "v1", "ConfigMap")
    assert obj["metadata"]["managedFields"] == [
        {
            "manager": "kubectl",
            "operation": "Apply",
            "time": "1970-01-01T00:00:00Z",
            "fieldsV1": {"f:data": {}},
        }
    ]
    with pytest.raises(ProtobufError, match="FieldsV1 does not hold valid JSON"):
        decode_object(blob(1, blob(17, blob(7, blob(1, b"{")))), "v1", "ConfigMap")


def test_raw_extension_holds_json_or_a_nested_envelope() -> None:
    as_json = decode_object(
        blob(2, blob(1, b'{"a": [1, 2]}')) + num(3, 1), "apps/v1", "ControllerRevision"
    )
    assert as_json["data"] == {"a": [1, 2]} and as_json["revision"] == 1
    nested = envelope("v1", "ConfigMap", meta("inner"))
    as_proto = decode_object(blob(2, blob(1, nested)), "apps/v1", "ControllerRevision")
    assert as_proto["data"] == {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"name": "inner"},
    }
    empty = decode_object(blob(2, b"") + num(3, 0), "apps/v1", "ControllerRevision")
    assert empty == {"kind": "ControllerRevision", "apiVersion": "apps/v1", "revision": 0}


def test_nesting_is_bounded() -> None:
    body = meta("leaf")
    for _ in range(60):
        body = blob(2, blob(1, envelope("apps/v1", "ControllerRevision", body)))
    with pytest.raises(ProtobufError, match="nested deeper than 100"):
        decode_object(body, "apps/v1", "ControllerRevision")


def test_string_lists_as_map_values() -> None:
    spec = (
        text(3, "alice") + entry(5, "scopes", text(1, "a") + text(1, "b")) + entry(5, "none", b"")
    )
    obj = decode_object(blob(2, spec), "authorization.k8s.io/v1", "SubjectAccessReview")
    assert obj["spec"] == {"user": "alice", "extra": {"scopes": ["a", "b"], "none": []}}


def test_time_values_in_maps() -> None:
    status = entry(2, "pod-a", time_msg(86400)) + entry(2, "pod-b", b"")
    obj = decode_object(blob(3, status), "policy/v1", "PodDisruptionBudget")
    assert obj["status"]["disruptedPods"] == {"pod-a": "1970-01-02T00:00:00Z", "pod-b": None}


# --- the schema notation's remaining kinds, through a registry of this test's own -----------

SAMPLE = build_registry(
    [
        (
            "t",
            """
Sample
  1 at microtime
  2 timeout duration
  3 ratio double
  4 ratios []double
  5 self Sample
  6 flags []bool
""",
        )
    ],
    {("t/v1", "Sample"): "t.Sample"},
)


def fixed64(number: int, value: float) -> bytes:
    import struct

    return varint(number << 3 | 1) + struct.pack("<d", value)


def sample(data: bytes) -> dict:
    return decode_object(data, "t/v1", "Sample", registry=SAMPLE)


def test_microtime_keeps_microseconds() -> None:
    obj = sample(blob(1, time_msg(1_700_000_000, 123_456_789)))
    assert obj["at"] == "2023-11-14T22:13:20.123456Z"
    assert sample(blob(1, time_msg(0, 1_500_000_000)))["at"] == "1970-01-01T00:00:01.500000Z"
    assert sample(blob(1, time_msg(10, -500_000_000)))["at"] == "1970-01-01T00:00:09.500000Z"
    assert "at" not in sample(blob(1, b""))


def test_duration() -> None:
    assert sample(blob(2, num(1, 90 * 10**9)))["timeout"] == "1m30s"
    assert sample(blob(2, b""))["timeout"] == "0s"


@pytest.mark.parametrize(
    ("nanoseconds", "expected"),
    [
        (0, "0s"),
        (1, "1ns"),
        (1_500, "1.5µs"),
        (2_000_000, "2ms"),
        (1_500_000_000, "1.5s"),
        (60 * 10**9, "1m0s"),
        (3600 * 10**9, "1h0m0s"),
        (3723 * 10**9 + 5 * 10**8, "1h2m3.5s"),
        (-90 * 10**9, "-1m30s"),
    ],
)
def test_go_duration_strings(nanoseconds: int, expected: str) -> None:
    assert format_go_duration(nanoseconds) == expected


def test_doubles_packed_and_not() -> None:
    packed = blob(4, b"".join(fixed64(0, v)[1:] for v in (0.5, -2.0)))
    assert sample(fixed64(3, 1.25) + packed + fixed64(4, 3.0)) == {
        "kind": "Sample",
        "apiVersion": "t/v1",
        "ratio": 1.25,
        "ratios": [0.5, -2.0, 3.0],
    }
    with pytest.raises(ProtobufError, match="no JSON form"):
        sample(fixed64(3, float("nan")))


def test_bool_lists_and_recursion_bound() -> None:
    assert sample(blob(6, b"\x01\x00\x02"))["flags"] == [True, False, True]
    body = b""
    for _ in range(150):
        body = blob(5, body)
    with pytest.raises(ProtobufError, match="nested deeper than 100"):
        sample(body)
