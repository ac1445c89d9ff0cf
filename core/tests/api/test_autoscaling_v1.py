"""autoscaling/v1 Scale: the body of the ``/scale`` subresource."""

from __future__ import annotations

import copy

import pytest

from microkube.api import StructureError, from_dict, kind_for, to_dict
from microkube.api.autoscaling_v1 import Scale, ScaleSpec
from microkube.api.meta_v1 import ObjectMeta

SCALE = {
    "apiVersion": "autoscaling/v1",
    "kind": "Scale",
    "metadata": {
        "name": "web",
        "namespace": "default",
        "resourceVersion": "48213",
        "uid": "554cdb19-4158-48cc-8eac-e9338bc467ca",
    },
    "spec": {"replicas": 5},
    "status": {"replicas": 3, "selector": "app=web"},
}


def test_scale_round_trips_and_is_registered() -> None:
    scale = from_dict(copy.deepcopy(SCALE))
    assert isinstance(scale, Scale)
    assert kind_for("autoscaling/v1", "Scale") is Scale
    assert scale.spec.replicas == 5
    assert scale.status.selector == "app=web"
    assert to_dict(scale) == SCALE


def test_scale_to_zero_is_written() -> None:
    scale = Scale(metadata=ObjectMeta(name="web"), spec=ScaleSpec(replicas=0))
    assert to_dict(scale)["spec"] == {"replicas": 0}


def test_unknown_field_is_rejected_with_its_path() -> None:
    data = copy.deepcopy(SCALE)
    data["spec"]["replica"] = 1
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert info.value.unknown_fields == ["spec.replica"]
