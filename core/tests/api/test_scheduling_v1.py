"""scheduling.k8s.io/v1 PriorityClass."""

from __future__ import annotations

import copy

import pytest

from microkube.api import StructureError, from_dict, kind_for, to_dict
from microkube.api.scheduling_v1 import PriorityClass, PriorityClassList

HIGH = {
    "apiVersion": "scheduling.k8s.io/v1",
    "kind": "PriorityClass",
    "metadata": {"name": "high", "resourceVersion": "12"},
    "value": 1000000,
    "globalDefault": False,
    "description": "latency critical",
    "preemptionPolicy": "Never",
}


def test_priority_class_round_trips_and_is_registered() -> None:
    pc = from_dict(copy.deepcopy(HIGH))
    assert isinstance(pc, PriorityClass)
    assert kind_for("scheduling.k8s.io/v1", "PriorityClass") is PriorityClass
    assert kind_for("scheduling.k8s.io/v1", "PriorityClassList") is PriorityClassList
    assert pc.value == 1000000 and pc.global_default is False
    assert to_dict(pc) == HIGH


def test_unknown_field_is_reported() -> None:
    data = {**copy.deepcopy(HIGH), "priority": 5}
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert info.value.unknown_fields == ["priority"]
