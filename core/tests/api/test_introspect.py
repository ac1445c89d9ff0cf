"""microkube.api.introspect: models read as data (fields, JSON names, types, comments)."""

from __future__ import annotations

import attrs
import pytest

from microkube.api import introspect, registry
from microkube.api.apps_v1 import DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment
from microkube.api.autoscaling_v1 import ScaleStatus
from microkube.api.core_v1 import Container, EphemeralContainer, Pod, PodSpec
from microkube.api.intstr import IntOrString
from microkube.api.meta_v1 import ListMeta, ObjectMeta, Status, Time


def test_fields_carry_json_names_and_resolved_types():
    fields = {f.name: f for f in introspect.model_fields(PodSpec)}
    assert fields["host_pid"].json_name == "hostPID"
    assert fields["containers"].json_name == "containers"
    assert fields["containers"].value_type == list[Container]
    assert fields["node_selector"].value_type == dict[str, str]
    assert fields["containers"].default is None
    assert introspect.model_fields(ListMeta)[2].json_name == "continue"


def test_top_level_kinds_keep_their_type_meta_defaults():
    fields = {f.json_name: f for f in introspect.model_fields(Pod)}
    assert fields["apiVersion"].default == "v1"
    assert fields["kind"].default == "Pod"
    assert fields["apiVersion"].value_type is str
    assert fields["metadata"].value_type is ObjectMeta


def test_value_types_resolve_to_their_classes():
    fields = {f.json_name: f for f in introspect.model_fields(ObjectMeta)}
    assert fields["creationTimestamp"].value_type is Time
    strategy = {f.json_name: f for f in introspect.model_fields(DeploymentSpec)}
    assert strategy["strategy"].value_type is DeploymentStrategy
    surge = {f.json_name: f for f in introspect.model_fields(RollingUpdateDeployment)}
    assert surge["maxSurge"].value_type is IntOrString


def test_comments_are_read_from_the_source():
    by_name = {f.name: f for f in introspect.model_fields(DeploymentStrategy)}
    assert by_name["type"].comment == '"RollingUpdate" (default) or "Recreate"'
    assert by_name["rolling_update"].comment is None
    # a comment block directly above a declaration counts too
    above = {f.name: f for f in introspect.model_fields(ScaleStatus)}
    assert above["selector"].comment is not None
    assert "label selector" in above["selector"].comment


def test_inherited_fields_are_included_in_order():
    names = [f.name for f in introspect.model_fields(EphemeralContainer)]
    assert names[: len(attrs.fields(Container))] == [a.name for a in attrs.fields(Container)]
    assert names[-1] == "target_container_name"


def test_model_doc_is_the_class_own_docstring():
    assert (
        introspect.model_doc(Status)
        == "The body of every API error (and of some successful deletes)."
    )
    assert introspect.model_doc(PodSpec) is None


def test_every_registered_kind_can_be_introspected():
    for cls in registry.all_kinds().values():
        fields = introspect.model_fields(cls)
        assert fields, cls
        assert all(f.json_name for f in fields)


def test_non_models_are_refused():
    assert not introspect.is_model(dict)
    assert introspect.is_model(Pod)
    with pytest.raises(TypeError):
        introspect.model_fields(dict)


def test_unwrap_optional():
    assert introspect.unwrap_optional(int | None) is int
    assert introspect.unwrap_optional(list[int]) == list[int]
    assert introspect.unwrap_optional(int | str) == int | str
