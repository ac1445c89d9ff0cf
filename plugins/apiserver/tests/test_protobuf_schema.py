"""The schema notation, its checks, and invariants of the schemas shipped."""

from __future__ import annotations

import pytest
from microkube_apiserver.protobuf.kinds import KINDS, default_registry
from microkube_apiserver.protobuf.schema import (
    Field,
    Kind,
    SchemaError,
    Shape,
    build_registry,
    parse_schema,
)


def test_parse_schema_reads_every_form() -> None:
    messages = parse_schema(
        "x",
        """
# a comment line
Thing
   1 name       string!   # trailing comment
   2 count      *int32
   3 tags       []string
   4 labels     map[string]string
   5 limits     map[string]quantity
   6 owner      meta.ObjectMeta
   7 inline     Part
   8 parts      []Part
Part
  1 when time
""",
    )
    thing = messages["x.Thing"]
    assert [f.number for f in thing.fields] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert thing.by_number[1] == Field(1, "name", Kind.STRING, keep_zero=True)
    assert thing.by_number[2] == Field(2, "count", Kind.INT32, keep_zero=True)
    assert thing.by_number[3] == Field(3, "tags", Kind.STRING, Shape.LIST)
    assert thing.by_number[4].shape is Shape.MAP and thing.by_number[4].kind is Kind.STRING
    assert thing.by_number[5].kind is Kind.QUANTITY
    assert thing.by_number[6] == Field(6, "owner", Kind.MESSAGE, message="meta.ObjectMeta")
    assert thing.by_number[7].inline and thing.by_number[7].message == "x.Part"
    assert thing.by_number[8] == Field(8, "parts", Kind.MESSAGE, Shape.LIST, "x.Part")
    assert messages["x.Part"].by_number[1].kind is Kind.TIME


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("  1 a string", "cannot parse"),
        ("M\n  x a string", "cannot parse"),
        ("M\n  1 a string\n  1 b string", "field number 1 repeated"),
        ("M\n  1 a string\n  2 a int32", "JSON name a repeated"),
        ("M\n  1 a *Other", "single scalars only"),
        ("M\n  1 a []int32!", "single scalars only"),
        ("M\n  1 a *int32!", "either a pointer or required"),
        ("M\n  1 inline string", "only a single message can be inline"),
        ("M\n  1 inline []Other", "only a single message can be inline"),
        ("M\n  1 a bad.type.name", "bad type"),
        ("M\nN\n  1 a string", "x.M: message has no fields"),
        ("M\n  1 a string\nM\n  1 a string", "x.M defined twice"),
    ],
)
def test_parse_schema_rejects(text: str, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        parse_schema("x", text)


def test_registry_checks_references_and_kinds() -> None:
    with pytest.raises(SchemaError, match=r"x\.M\.a: unknown message x\.Missing"):
        build_registry([("x", "M\n  1 a Missing")], {})
    with pytest.raises(SchemaError, match=r"unknown message x\.Nope"):
        build_registry([("x", "M\n  1 a string")], {("x/v1", "Nope"): "x.Nope"})
    with pytest.raises(SchemaError, match=r"x\.M defined in two schema texts"):
        build_registry([("x", "M\n  1 a string"), ("x", "M\n  1 a string")], {})


def test_shipped_registry_is_complete_and_reachable() -> None:
    registry = default_registry()
    assert set(registry.kinds) == set(KINDS)
    seen: set[str] = set()
    pending = list(registry.kinds.values())
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending.extend(f.message for f in registry.message(name).fields if f.message)
    assert seen == set(registry.messages), "every schema message is reachable from a kind"


def test_every_kind_has_object_meta_first() -> None:
    registry = default_registry()
    for key, name in registry.kinds.items():
        first = registry.message(name).fields[0]
        assert (first.number, first.json_name, first.message) == (
            1,
            "metadata",
            "meta.ObjectMeta",
        ), key


@pytest.mark.parametrize(
    ("message", "number", "json_name"),
    [
        # A few numbers that kubectl's bodies do not exercise, checked against the upstream tags.
        ("core.PodSpec", 34, "ephemeralContainers"),
        ("core.PodSpec", 40, "resources"),
        ("core.Container", 24, "restartPolicy"),
        ("core.VolumeSource", 30, "image"),
        ("core.VolumeMount", 7, "recursiveReadOnly"),
        ("core.SecurityContext", 12, "appArmorProfile"),
        ("core.ServiceSpec", 23, "trafficDistribution"),
        ("meta.ObjectMeta", 17, "managedFields"),
        ("meta.OwnerReference", 5, "apiVersion"),
        ("batch.JobSpec", 16, "successPolicy"),
        ("apps.DeploymentStatus", 7, "readyReplicas"),
    ],
)
def test_field_numbers(message: str, number: int, json_name: str) -> None:
    assert default_registry().message(message).by_number[number].json_name == json_name


@pytest.mark.parametrize(
    ("message", "number"),
    [
        # Tombstoned upstream: the numbers stay reserved and must not decode as anything.
        ("core.PodResourceClaim", 2),
        ("core.EphemeralVolumeSource", 2),
        ("core.ServiceSpec", 15),
        ("core.ServiceSpec", 16),
        ("core.VolumeResourceRequirements", 3),
        ("meta.ObjectMeta", 15),
        ("meta.ManagedFieldsEntry", 5),
    ],
)
def test_tombstoned_numbers_stay_unused(message: str, number: int) -> None:
    assert number not in default_registry().message(message).by_number
