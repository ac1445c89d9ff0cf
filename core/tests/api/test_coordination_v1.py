"""coordination.k8s.io/v1 Lease: MicroTime precision, round-trips, strict decoding."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from microkube.api import StructureError, from_dict, kind_for, to_dict
from microkube.api.coordination_v1 import KINDS, Lease, LeaseList, LeaseSpec
from microkube.api.meta_v1 import MicroTime, ObjectMeta

LEASE = {
    "apiVersion": "coordination.k8s.io/v1",
    "kind": "Lease",
    "metadata": {
        "name": "kube-scheduler",
        "namespace": "kube-system",
        "resourceVersion": "88240",
    },
    "spec": {
        "holderIdentity": "control-plane_f55c3740-ea3d-473a-95b1-adbf3a576348",
        "leaseDurationSeconds": 15,
        "acquireTime": "2024-11-20T09:00:01.051203Z",
        "renewTime": "2024-11-20T13:41:09.117000Z",
        "leaseTransitions": 2,
        "strategy": "OldestEmulationVersion",
        "preferredHolder": "control-plane-2",
    },
}


def test_lease_fields_are_typed() -> None:
    lease = from_dict(LEASE)
    assert isinstance(lease, Lease)
    spec = lease.spec
    assert spec.holder_identity.startswith("control-plane_")
    assert spec.lease_duration_seconds == 15
    assert isinstance(spec.acquire_time, MicroTime)
    assert spec.acquire_time == datetime(2024, 11, 20, 9, 0, 1, 51203, tzinfo=UTC)
    assert spec.lease_transitions == 2
    assert spec.preferred_holder == "control-plane-2"


def test_lease_round_trips_with_microseconds() -> None:
    assert to_dict(from_dict(copy.deepcopy(LEASE))) == LEASE


def test_renewal_written_from_python_keeps_microseconds() -> None:
    renewed = datetime(2024, 11, 20, 13, 41, 7, 482913, tzinfo=UTC)
    lease = Lease(
        metadata=ObjectMeta(name="node-1", namespace="kube-node-lease"),
        spec=LeaseSpec(
            holder_identity="node-1",
            lease_duration_seconds=40,
            renew_time=MicroTime.from_datetime(renewed),
        ),
    )
    assert to_dict(lease)["spec"] == {
        "holderIdentity": "node-1",
        "leaseDurationSeconds": 40,
        "renewTime": "2024-11-20T13:41:07.482913Z",
    }


def test_unknown_field_is_rejected_with_its_path() -> None:
    data = copy.deepcopy(LEASE)
    data["spec"]["holder"] = "x"
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert info.value.unknown_fields == ["spec.holder"]


def test_renew_time_must_be_a_time() -> None:
    data = copy.deepcopy(LEASE)
    data["spec"]["renewTime"] = 1732110067
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert [e.path for e in info.value.errors] == ["$.spec.renewTime"]


def test_lease_list() -> None:
    data = {"apiVersion": "coordination.k8s.io/v1", "kind": "LeaseList", "items": [LEASE]}
    lst = from_dict(copy.deepcopy(data))
    assert isinstance(lst, LeaseList)
    assert lst.items[0].spec.lease_transitions == 2
    assert to_dict(lst) == data


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_every_kind_is_registered_and_writes_its_type_meta(cls: type) -> None:
    assert kind_for("coordination.k8s.io/v1", cls.__name__) is cls
    assert to_dict(cls()) == {"apiVersion": "coordination.k8s.io/v1", "kind": cls.__name__}
