"""OpenAPI component schemas generated from the models: names, fields, types, extensions."""

from __future__ import annotations

from typing import Any, get_args, get_origin

import pytest
from microkube_apiserver.discovery.descriptions import FIELD_DESCRIPTIONS, TYPE_DESCRIPTIONS
from microkube_apiserver.discovery.required import REQUIRED
from microkube_apiserver.discovery.schemas import SchemaSet, schema_name

from microkube.api import IntOrString, Quantity, registry
from microkube.api.core_v1 import Container, EventSeries, ObjectReference, Pod
from microkube.api.events_v1 import EventSeries as EventsEventSeries
from microkube.api.introspect import is_model, model_fields
from microkube.api.meta_v1 import MicroTime, ObjectMeta, Time

CORE = "io.k8s.api.core.v1."
META = "io.k8s.apimachinery.pkg.apis.meta.v1."


@pytest.fixture(scope="module")
def everything() -> SchemaSet:
    """Schemas of every registered kind and all they reach."""
    schemas = SchemaSet()
    schemas.add_all(registry.all_kinds().values())
    return schemas


def _reachable_models() -> set[type]:
    seen: set[type] = set()
    todo = list(registry.all_kinds().values())
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for f in model_fields(cls):
            stack = [f.value_type]
            while stack:
                t = stack.pop()
                if is_model(t):
                    todo.append(t)
                stack.extend(get_args(t))
    return seen


def _expected(t: Any) -> Any:
    """The shape a declared type must have in the schema (an independent restatement)."""
    simple = {str: "string", int: "integer", bool: "boolean", float: "number"}
    if t in simple:
        return simple[t]
    if get_origin(t) is list:
        return ("array", _expected(get_args(t)[0]))
    if get_origin(t) is dict:
        value = get_args(t)[1]
        return "raw-object" if value is Any else ("map", _expected(value))
    named = {
        Quantity: "io.k8s.apimachinery.pkg.api.resource.Quantity",
        IntOrString: "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
        MicroTime: META + "MicroTime",
        Time: META + "Time",
    }
    if t in named:
        return ("ref", named[t])
    assert is_model(t), t
    return ("ref", schema_name(t))


def _actual(prop: dict[str, Any]) -> Any:
    if "allOf" in prop:
        [inner] = prop["allOf"]
        return _actual(inner)
    if "$ref" in prop:
        return ("ref", prop["$ref"].removeprefix("#/components/schemas/"))
    if prop.get("type") == "array":
        return ("array", _actual(prop["items"]))
    if prop.get("type") == "object":
        if prop.get("x-kubernetes-preserve-unknown-fields"):
            return "raw-object"
        return ("map", _actual(prop["additionalProperties"]))
    return prop["type"]


# Fields whose raw JSON has a named schema upstream, and map values written as base64.
RENAMED = {
    (META + "ManagedFieldsEntry", "fieldsV1"): ("ref", META + "FieldsV1"),
    ("io.k8s.api.apps.v1.ControllerRevision", "data"): (
        "ref",
        "io.k8s.apimachinery.pkg.runtime.RawExtension",
    ),
}


def test_every_model_field_has_its_json_name_and_type(everything):
    models = _reachable_models()
    assert len(models) > 200
    for cls in models:
        name = schema_name(cls)
        schema = everything.schemas[name]
        assert schema["type"] == "object"
        fields = model_fields(cls)
        assert list(schema["properties"]) == [f.json_name for f in fields], name
        for f in fields:
            want = RENAMED.get((name, f.json_name), _expected(f.value_type))
            assert _actual(schema["properties"][f.json_name]) == want, (name, f.json_name)


def test_every_referenced_schema_is_present(everything):
    def refs(node: Any):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    found = set(refs(everything.schemas))
    assert found
    assert {r.removeprefix("#/components/schemas/") for r in found} <= set(everything.schemas)


def test_top_level_kinds_carry_their_gvk(everything):
    kinds = registry.all_kinds()
    for (api_version, kind), cls in kinds.items():
        group, _, version = api_version.rpartition("/")
        extension = everything.schemas[schema_name(cls)]["x-kubernetes-group-version-kind"]
        assert extension == [{"group": group, "kind": kind, "version": version}]
    tagged = {
        name for name, s in everything.schemas.items() if "x-kubernetes-group-version-kind" in s
    }
    assert tagged == {schema_name(cls) for cls in kinds.values()}


@pytest.mark.parametrize(
    ("cls", "name"),
    [
        (Pod, "io.k8s.api.core.v1.Pod"),
        (Container, "io.k8s.api.core.v1.Container"),
        (ObjectMeta, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
        (ObjectReference, "io.k8s.api.core.v1.ObjectReference"),
        (EventSeries, "io.k8s.api.core.v1.EventSeries"),
        (EventsEventSeries, "io.k8s.api.events.v1.EventSeries"),
        (Quantity, "io.k8s.apimachinery.pkg.api.resource.Quantity"),
        (IntOrString, "io.k8s.apimachinery.pkg.util.intstr.IntOrString"),
        (Time, "io.k8s.apimachinery.pkg.apis.meta.v1.Time"),
        (MicroTime, "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"),
    ],
)
def test_names_are_kubernetes_names(cls, name):
    assert schema_name(cls) == name


def test_value_type_schemas(everything):
    s = everything.schemas
    assert s["io.k8s.apimachinery.pkg.api.resource.Quantity"]["oneOf"] == [
        {"type": "string"},
        {"type": "number"},
    ]
    int_or_string = s["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert int_or_string["x-kubernetes-int-or-string"] is True
    assert int_or_string["format"] == "int-or-string"
    for name in ("Time", "MicroTime"):
        assert {k: s[META + name][k] for k in ("type", "format")} == {
            "type": "string",
            "format": "date-time",
        }
    secret = s[CORE + "Secret"]["properties"]["data"]
    assert secret["additionalProperties"] == {"type": "string", "format": "byte"}
    assert s[CORE + "ConfigMap"]["properties"]["data"]["additionalProperties"] == {"type": "string"}


def test_required_lists(everything):
    s = everything.schemas
    assert s[CORE + "Container"]["required"] == ["name"]
    assert s[CORE + "PodSpec"]["required"] == ["containers"]
    assert s["io.k8s.api.apps.v1.DeploymentSpec"]["required"] == ["selector", "template"]
    assert "required" not in s[META + "ObjectMeta"]
    assert "required" not in s[CORE + "Pod"]
    for name, fields in REQUIRED.items():
        assert name in s, name
        assert set(fields) <= set(s[name]["properties"]), name


def test_description_tables_name_real_schemas_and_fields(everything):
    s = everything.schemas
    for name in TYPE_DESCRIPTIONS:
        assert name in s, name
        assert s[name]["description"] == TYPE_DESCRIPTIONS[name]
    for name, fields in FIELD_DESCRIPTIONS.items():
        for field, text in fields.items():
            assert s[name]["properties"][field]["description"] == text, (name, field)


def test_descriptions_fall_back_to_source_comments_and_common_fields(everything):
    s = everything.schemas
    protocol = s[CORE + "ContainerPort"]["properties"]["protocol"]["description"]
    assert protocol == "TCP, UDP or SCTP. Defaults to TCP."  # table
    scheme = s[CORE + "HTTPGetAction"]["properties"]["scheme"]["description"]
    assert scheme == "HTTP (default), HTTPS"  # the model's comment
    assert "versioned schema" in s[CORE + "Pod"]["properties"]["apiVersion"]["description"]
    assert s[META + "Status"]["description"].startswith("The body of every API error")


def _ext(schemas: dict, name: str, field: str) -> dict:
    return {k: v for k, v in schemas[name]["properties"][field].items() if k.startswith("x-")}


def test_patch_and_list_extensions_of_key_fields(everything):
    s = everything.schemas
    by_name = {
        "x-kubernetes-patch-strategy": "merge",
        "x-kubernetes-patch-merge-key": "name",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
    }
    assert _ext(s, CORE + "PodSpec", "containers") == by_name
    assert _ext(s, CORE + "Container", "env") == by_name
    ports = _ext(s, CORE + "Container", "ports")
    assert ports["x-kubernetes-patch-merge-key"] == "containerPort"
    assert ports["x-kubernetes-list-map-keys"] == ["containerPort", "protocol"]
    assert _ext(s, CORE + "ServiceSpec", "ports")["x-kubernetes-patch-merge-key"] == "port"
    volumes = _ext(s, CORE + "PodSpec", "volumes")
    assert volumes["x-kubernetes-patch-strategy"] == "merge,retainKeys"
    finalizers = _ext(s, META + "ObjectMeta", "finalizers")
    assert finalizers == {"x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "set"}
    assert _ext(s, META + "ObjectMeta", "ownerReferences")["x-kubernetes-patch-merge-key"] == "uid"
    strategy = _ext(s, "io.k8s.api.apps.v1.DeploymentSpec", "strategy")
    assert strategy == {"x-kubernetes-patch-strategy": "retainKeys"}
    selector = _ext(s, "io.k8s.api.policy.v1.PodDisruptionBudgetSpec", "selector")
    assert selector == {"x-kubernetes-patch-strategy": "replace"}
    # replaced wholesale, as upstream: no strategy at all
    assert _ext(s, CORE + "PodSpec", "tolerations") == {}
    assert _ext(s, CORE + "Container", "args") == {}
    assert s[META + "LabelSelector"]["x-kubernetes-map-type"] == "atomic"


def test_every_property_has_a_type_or_a_reference(everything):
    for name, schema in everything.schemas.items():
        for field, prop in schema.get("properties", {}).items():
            assert (
                "type" in prop or "allOf" in prop or "x-kubernetes-preserve-unknown-fields" in prop
            ), (name, field)


def test_a_class_that_is_not_a_model_is_refused():
    with pytest.raises(TypeError):
        SchemaSet().add(dict)
