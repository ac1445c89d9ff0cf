"""apps/v1 models: typed access, exact JSON round-trips, strict decoding."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from microkube.api import IntOrString, Quantity, StructureError, from_dict, kind_for, to_dict
from microkube.api.apps_v1 import (
    KINDS,
    ControllerRevision,
    DaemonSet,
    Deployment,
    DeploymentList,
    DeploymentSpec,
    DeploymentStrategy,
    ReplicaSet,
    RollingUpdateDeployment,
    StatefulSet,
)
from microkube.api.core_v1 import PodTemplateSpec
from microkube.api.meta_v1 import LabelSelector, ObjectMeta, Time

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web",
        "namespace": "default",
        "generation": 3,
        "annotations": {"deployment.kubernetes.io/revision": "2"},
    },
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
        },
        "minReadySeconds": 5,
        "revisionHistoryLimit": 10,
        "progressDeadlineSeconds": 600,
        "paused": False,
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {
                        "name": "web",
                        "image": "nginx:1.27",
                        "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                        "readinessProbe": {"httpGet": {"path": "/", "port": 80}},
                    }
                ]
            },
        },
    },
    "status": {
        "observedGeneration": 3,
        "replicas": 3,
        "updatedReplicas": 3,
        "readyReplicas": 2,
        "availableReplicas": 2,
        "unavailableReplicas": 1,
        "collisionCount": 1,
        "conditions": [
            {
                "type": "Progressing",
                "status": "True",
                "lastUpdateTime": "2024-11-20T10:07:41Z",
                "lastTransitionTime": "2024-11-20T10:00:00Z",
                "reason": "NewReplicaSetAvailable",
                "message": 'ReplicaSet "web-7b9f5c6d4" has successfully progressed.',
            }
        ],
    },
}


def round_trip(data: dict) -> dict:
    return to_dict(from_dict(copy.deepcopy(data)))


def test_deployment_fields_are_typed() -> None:
    d = from_dict(DEPLOYMENT)
    assert isinstance(d, Deployment)
    rolling = d.spec.strategy.rolling_update
    assert rolling.max_surge == IntOrString("25%")
    assert not rolling.max_surge.is_int
    assert rolling.max_unavailable == IntOrString(0)
    assert rolling.max_unavailable.is_int
    assert d.spec.selector.match_labels == {"app": "web"}
    assert d.spec.paused is False
    container = d.spec.template.spec.containers[0]
    assert container.resources.requests["cpu"] == Quantity("0.1")
    condition = d.status.conditions[0]
    assert isinstance(condition.last_update_time, Time)
    assert condition.last_update_time == datetime(2024, 11, 20, 10, 7, 41, tzinfo=UTC)
    assert d.status.unavailable_replicas == 1
    assert d.status.collision_count == 1


def test_deployment_round_trips_exactly() -> None:
    out = round_trip(DEPLOYMENT)
    assert json.dumps(out, sort_keys=True) == json.dumps(DEPLOYMENT, sort_keys=True)


def test_int_and_percent_keep_their_json_type() -> None:
    data = copy.deepcopy(DEPLOYMENT)
    data["spec"]["strategy"]["rollingUpdate"] = {"maxSurge": 1, "maxUnavailable": "10%"}
    assert round_trip(data)["spec"]["strategy"]["rollingUpdate"] == {
        "maxSurge": 1,
        "maxUnavailable": "10%",
    }


def test_recreate_strategy_has_no_rolling_update() -> None:
    data = copy.deepcopy(DEPLOYMENT)
    data["spec"]["strategy"] = {"type": "Recreate"}
    d = from_dict(data)
    assert d.spec.strategy.type == "Recreate"
    assert d.spec.strategy.rolling_update is None
    assert to_dict(d)["spec"]["strategy"] == {"type": "Recreate"}


def test_unknown_field_is_rejected_with_its_path() -> None:
    data = copy.deepcopy(DEPLOYMENT)
    data["spec"]["strategy"]["rollingUpdate"]["maxSurg"] = 1
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert info.value.unknown_fields == ["spec.strategy.rollingUpdate.maxSurg"]


def test_wrong_json_type_is_rejected_with_its_path() -> None:
    data = copy.deepcopy(DEPLOYMENT)
    data["spec"]["replicas"] = "3"
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert [e.path for e in info.value.errors] == ["$.spec.replicas"]


def test_built_in_python_serialises_to_camel_case() -> None:
    d = Deployment(
        metadata=ObjectMeta(name="api"),
        spec=DeploymentSpec(
            replicas=2,
            selector=LabelSelector(match_labels={"app": "api"}),
            template=PodTemplateSpec(metadata=ObjectMeta(labels={"app": "api"})),
            strategy=DeploymentStrategy(
                type="RollingUpdate",
                rolling_update=RollingUpdateDeployment(max_surge=IntOrString("50%")),
            ),
            progress_deadline_seconds=120,
        ),
    )
    assert to_dict(d) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "api"}},
            "template": {"metadata": {"labels": {"app": "api"}}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "50%"}},
            "progressDeadlineSeconds": 120,
        },
    }


def test_replicaset_with_owner_reference() -> None:
    data = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": "web-7b9f5c6d4",
            "labels": {"app": "web", "pod-template-hash": "7b9f5c6d4"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": "web",
                    "uid": "554cdb19-4158-48cc-8eac-e9338bc467ca",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": 3,
            "minReadySeconds": 0,
            "selector": {"matchLabels": {"app": "web", "pod-template-hash": "7b9f5c6d4"}},
            "template": {"metadata": {"labels": {"app": "web"}}},
        },
        "status": {
            "replicas": 0,
            "fullyLabeledReplicas": 0,
            "observedGeneration": 1,
            "conditions": [
                {
                    "type": "ReplicaFailure",
                    "status": "True",
                    "reason": "FailedCreate",
                    "lastTransitionTime": "2024-11-20T10:07:02Z",
                }
            ],
        },
    }
    rs = from_dict(data)
    assert isinstance(rs, ReplicaSet)
    owner = rs.metadata.owner_references[0]
    assert (owner.kind, owner.controller) == ("Deployment", True)
    # Explicit zeros are data, not absence: they must survive the round trip.
    assert rs.status.replicas == 0
    assert rs.spec.min_ready_seconds == 0
    assert rs.status.conditions[0].reason == "FailedCreate"
    assert round_trip(data) == data


def test_daemonset_update_strategies_and_status_counts() -> None:
    data = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "kube-system"},
        "spec": {
            "selector": {"matchLabels": {"name": "agent"}},
            "template": {
                "metadata": {"labels": {"name": "agent"}},
                "spec": {
                    "tolerations": [{"operator": "Exists"}],
                    "containers": [{"name": "agent", "image": "agent:1"}],
                },
            },
            "updateStrategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "10%"},
            },
            "revisionHistoryLimit": 10,
        },
        "status": {
            "currentNumberScheduled": 3,
            "numberMisscheduled": 0,
            "desiredNumberScheduled": 3,
            "numberReady": 2,
            "updatedNumberScheduled": 3,
            "numberAvailable": 2,
            "numberUnavailable": 1,
            "observedGeneration": 4,
        },
    }
    ds = from_dict(data)
    assert isinstance(ds, DaemonSet)
    assert ds.spec.update_strategy.rolling_update.max_surge == IntOrString("10%")
    assert ds.spec.update_strategy.rolling_update.max_unavailable == IntOrString(0)
    assert ds.status.number_misscheduled == 0
    assert ds.status.desired_number_scheduled == 3
    assert round_trip(data) == data

    data["spec"]["updateStrategy"] = {"type": "OnDelete"}
    assert from_dict(data).spec.update_strategy.rolling_update is None
    assert round_trip(data) == data


def test_statefulset_claim_templates_are_typed_claims() -> None:
    data = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web"},
        "spec": {
            "serviceName": "nginx",
            "replicas": 3,
            "podManagementPolicy": "OrderedReady",
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {"metadata": {"labels": {"app": "nginx"}}},
            "updateStrategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"partition": 2, "maxUnavailable": 1},
            },
            "persistentVolumeClaimRetentionPolicy": {
                "whenDeleted": "Delete",
                "whenScaled": "Retain",
            },
            "ordinals": {"start": 0},
            "volumeClaimTemplates": [
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": {"name": "www"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            ],
        },
        "status": {
            "replicas": 3,
            "availableReplicas": 3,
            "currentRevision": "web-6c7f8d9b5",
            "updateRevision": "web-6c7f8d9b5",
        },
    }
    sts = from_dict(data)
    assert isinstance(sts, StatefulSet)
    claim = sts.spec.volume_claim_templates[0]
    assert claim.spec.resources.requests["storage"] == Quantity("1024Mi")
    assert sts.spec.update_strategy.rolling_update.partition == 2
    assert sts.spec.persistent_volume_claim_retention_policy.when_deleted == "Delete"
    assert sts.spec.ordinals.start == 0
    assert round_trip(data) == data


def test_controller_revision_keeps_raw_data_verbatim() -> None:
    data = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {"name": "agent-5c8f6d9b7", "namespace": "kube-system"},
        "data": {
            "spec": {
                "template": {
                    "$patch": "replace",
                    "spec": {"containers": [{"name": "agent", "image": "agent:1"}]},
                }
            }
        },
        "revision": 1,
    }
    rev = from_dict(data)
    assert isinstance(rev, ControllerRevision)
    assert rev.data["spec"]["template"]["$patch"] == "replace"
    assert rev.revision == 1
    assert round_trip(data) == data


def test_list_items_are_typed() -> None:
    data = {
        "apiVersion": "apps/v1",
        "kind": "DeploymentList",
        "metadata": {"resourceVersion": "48213"},
        "items": [DEPLOYMENT],
    }
    lst = from_dict(data)
    assert isinstance(lst, DeploymentList)
    assert isinstance(lst.items[0], Deployment)
    assert round_trip(data) == data


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_every_kind_is_registered_and_writes_its_type_meta(cls: type) -> None:
    obj = cls()
    assert kind_for("apps/v1", obj.kind) is cls
    assert to_dict(obj) == {"apiVersion": "apps/v1", "kind": cls.__name__}
