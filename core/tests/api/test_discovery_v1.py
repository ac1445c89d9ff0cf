"""discovery.k8s.io/v1 EndpointSlice: typed access, round-trips, strict decoding."""

from __future__ import annotations

import copy

import pytest

from microkube.api import StructureError, from_dict, kind_for, to_dict
from microkube.api.core_v1 import ObjectReference
from microkube.api.discovery_v1 import (
    KINDS,
    Endpoint,
    EndpointConditions,
    EndpointPort,
    EndpointSlice,
)
from microkube.api.meta_v1 import ObjectMeta

SLICE = {
    "apiVersion": "discovery.k8s.io/v1",
    "kind": "EndpointSlice",
    "metadata": {
        "name": "web-x7k2p",
        "namespace": "default",
        "generateName": "web-",
        "labels": {
            "kubernetes.io/service-name": "web",
            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        },
    },
    "addressType": "IPv4",
    "endpoints": [
        {
            "addresses": ["10.244.1.5"],
            "conditions": {"ready": True, "serving": True, "terminating": False},
            "hostname": "web-0",
            "nodeName": "node-1",
            "zone": "zone-a",
            "hints": {"forZones": [{"name": "zone-a"}]},
            "targetRef": {
                "kind": "Pod",
                "name": "web-0",
                "namespace": "default",
                "uid": "2ac8b813-4be4-4cf9-9c74-6261b5226fe5",
            },
        },
        {
            "addresses": ["10.244.2.9"],
            "conditions": {"ready": False, "serving": True, "terminating": True},
            "deprecatedTopology": {"kubernetes.io/hostname": "node-2"},
        },
    ],
    "ports": [
        {"name": "http", "port": 8080, "protocol": "TCP", "appProtocol": "http"},
        {"name": "", "port": 9090, "protocol": "TCP"},
    ],
}


def test_endpointslice_fields_are_typed() -> None:
    es = from_dict(SLICE)
    assert isinstance(es, EndpointSlice)
    assert es.address_type == "IPv4"
    first, second = es.endpoints
    assert first.conditions == EndpointConditions(ready=True, serving=True, terminating=False)
    assert isinstance(first.target_ref, ObjectReference)
    assert first.target_ref.uid == "2ac8b813-4be4-4cf9-9c74-6261b5226fe5"
    assert first.hints.for_zones[0].name == "zone-a"
    assert second.conditions.terminating is True
    assert second.deprecated_topology == {"kubernetes.io/hostname": "node-2"}
    assert es.ports[0].app_protocol == "http"
    # An unnamed port is named "" on the wire, which is not the same as no name.
    assert es.ports[1].name == ""


def test_endpointslice_round_trips_exactly() -> None:
    assert to_dict(from_dict(copy.deepcopy(SLICE))) == SLICE


def test_empty_lists_are_kept() -> None:
    data = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "empty"},
        "addressType": "IPv4",
        "endpoints": [],
        "ports": [],
    }
    assert to_dict(from_dict(copy.deepcopy(data))) == data


def test_unknown_field_is_rejected_with_its_path() -> None:
    data = copy.deepcopy(SLICE)
    data["endpoints"][1]["conditions"]["healthy"] = True
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert info.value.unknown_fields == ["endpoints[1].conditions.healthy"]


def test_condition_must_be_boolean() -> None:
    data = copy.deepcopy(SLICE)
    data["endpoints"][0]["conditions"]["ready"] = "true"
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert [e.path for e in info.value.errors] == ["$.endpoints[0].conditions.ready"]


def test_built_in_python() -> None:
    es = EndpointSlice(
        metadata=ObjectMeta(name="db-1", labels={"kubernetes.io/service-name": "db"}),
        address_type="IPv4",
        endpoints=[Endpoint(addresses=["10.0.0.7"], node_name="node-3")],
        ports=[EndpointPort(name="pg", port=5432, protocol="TCP")],
    )
    assert to_dict(es) == {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "db-1", "labels": {"kubernetes.io/service-name": "db"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.0.0.7"], "nodeName": "node-3"}],
        "ports": [{"name": "pg", "protocol": "TCP", "port": 5432}],
    }


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_every_kind_is_registered_and_writes_its_type_meta(cls: type) -> None:
    assert kind_for("discovery.k8s.io/v1", cls.__name__) is cls
    assert to_dict(cls()) == {"apiVersion": "discovery.k8s.io/v1", "kind": cls.__name__}
