"""Deployment arithmetic: fenceposts, new-replica budget, proportions, templates, progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from microkube_controllers.common.timeutil import format_time
from microkube_controllers.workloads import deployment_util as util
from microkube_controllers.workloads.deployment_annotations import (
    set_new_replica_set_annotations,
)
from microkube_controllers.workloads.deployment_status import calculate_status, rollout_status

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def deployment(replicas=10, surge="25%", unavailable="25%", **spec):
    return {
        "metadata": {"name": "web", "generation": 1, "annotations": {}},
        "spec": {
            "replicas": replicas,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable},
            },
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}},
            **spec,
        },
        "status": {},
    }


def rs(name, replicas, available=None, created=0, annotations=None, uid=None):
    return {
        "metadata": {
            "name": name,
            "uid": uid or name,
            "creationTimestamp": format_time(NOW + timedelta(seconds=created)),
            "annotations": annotations or {},
        },
        "spec": {"replicas": replicas},
        "status": {
            "replicas": replicas,
            "readyReplicas": replicas if available is None else available,
            "availableReplicas": replicas if available is None else available,
        },
    }


@pytest.mark.parametrize(
    ("surge", "unavailable", "desired", "expected"),
    [
        ("25%", "25%", 10, (3, 2)),  # surge rounds up, unavailable down
        ("25%", "25%", 3, (1, 0)),
        (0, 0, 5, (0, 1)),  # both zero: unavailable becomes 1
        ("0%", "10%", 5, (0, 1)),  # 10% of 5 rounds down to 0, then to 1
        (2, "50%", 5, (2, 2)),
    ],
)
def test_resolve_fenceposts(surge, unavailable, desired, expected):
    assert util.resolve_fenceposts(surge, unavailable, desired) == expected


def test_bad_percentages_are_errors():
    with pytest.raises(ValueError, match="invalid value"):
        util.scaled_value("ten%", 10, True)


def test_max_unavailable_is_capped_and_zero_for_recreate():
    assert util.max_unavailable(deployment(replicas=2, unavailable="100%")) == 2
    recreate = deployment()
    recreate["spec"]["strategy"] = {"type": "Recreate"}
    assert util.max_unavailable(recreate) == 0
    assert util.max_surge(recreate) == 0
    assert util.new_rs_new_replicas(recreate, [], rs("new", 0)) == 10


def test_new_rs_budget_respects_max_surge():
    d = deployment(replicas=10)  # at most 13 pods
    old, new = rs("old", 10), rs("new", 0)
    assert util.new_rs_new_replicas(d, [old, new], new) == 3
    new = rs("new", 3)
    assert util.new_rs_new_replicas(d, [old, new], new) == 3  # 13 already
    old = rs("old", 2)
    assert util.new_rs_new_replicas(d, [old, new], new) == 10  # 5 running: up to 10, not 11


def test_equal_ignore_hash_and_find_new():
    a = {"metadata": {"labels": {"app": "web", "pod-template-hash": "abc"}}, "spec": {"x": []}}
    b = {"metadata": {"labels": {"app": "web"}}, "spec": {}}
    assert util.equal_ignore_hash(a, b)
    assert not util.equal_ignore_hash(a, {"metadata": {"labels": {"app": "api"}}})
    d = deployment()
    older = rs("older", 1, created=0)
    older["spec"]["template"] = d["spec"]["template"]
    newer = rs("newer", 1, created=5)
    newer["spec"]["template"] = d["spec"]["template"]
    other = rs("other", 1)
    other["spec"]["template"] = {"metadata": {"labels": {"app": "old"}}}
    assert util.find_new_replica_set(d, [newer, other, older])["metadata"]["name"] == "older"
    required, everything = util.find_old_replica_sets(d, [newer, other, older])
    assert [r["metadata"]["name"] for r in everything] == ["newer", "other"]
    assert [r["metadata"]["name"] for r in required] == ["newer", "other"]  # both have pods


def test_proportional_scaling_share():
    d = deployment(replicas=20)  # max 25 now; the annotation says it was 13 before
    annotated = rs("a", 6, annotations={util.MAX_REPLICAS_ANNOTATION: "13"})
    # 6 * 25 / 13 = 11.5 -> 12, so 6 more, capped by what is left to add.
    assert util.proportion(annotated, d, 12, 0) == 6
    assert util.proportion(annotated, d, 12, 10) == 2


def test_revision_annotations_on_rollback():
    d = deployment()
    d["metadata"]["annotations"] = {
        "kubernetes.io/change-cause": "kubectl set image",
        util.REVISION_ANNOTATION: "2",
    }
    old = rs("old", 0, annotations={util.REVISION_ANNOTATION: "1"})
    assert set_new_replica_set_annotations(d, old, "3", exists=True)
    annotations = old["metadata"]["annotations"]
    assert annotations[util.REVISION_ANNOTATION] == "3"
    assert annotations[util.REVISION_HISTORY_ANNOTATION] == "1"
    assert annotations["kubernetes.io/change-cause"] == "kubectl set image"
    assert set_new_replica_set_annotations(d, old, "5", exists=True)
    assert old["metadata"]["annotations"][util.REVISION_HISTORY_ANNOTATION] == "1,3"
    fresh = rs("fresh", 0)
    set_new_replica_set_annotations(d, fresh, "4", exists=False)
    assert fresh["metadata"]["annotations"][util.DESIRED_REPLICAS_ANNOTATION] == "10"
    assert fresh["metadata"]["annotations"][util.MAX_REPLICAS_ANNOTATION] == "13"


def test_status_and_conditions():
    d = deployment(replicas=4, progressDeadlineSeconds=600)
    new, old = rs("new", 2, available=1), rs("old", 2)
    status = calculate_status([old, new], new, d)
    assert status["replicas"] == 4
    assert status["updatedReplicas"] == 2
    assert status["availableReplicas"] == 3
    assert status["unavailableReplicas"] == 1
    (available,) = status["conditions"]
    assert (available["status"], available["reason"]) == ("True", "MinimumReplicasAvailable")
    progressing = rollout_status([old, new], new, d, NOW)
    (c,) = [c for c in progressing["conditions"] if c["type"] == "Progressing"]
    assert (c["reason"], c["message"]) == ("ReplicaSetUpdated", 'ReplicaSet "new" is progressing.')
    done = rollout_status([rs("new", 4)], rs("new", 4), d, NOW)
    (c,) = [c for c in done["conditions"] if c["type"] == "Progressing"]
    assert c["reason"] == "NewReplicaSetAvailable"


def test_timed_out():
    d = deployment(progressDeadlineSeconds=10)
    stale = format_time(NOW - timedelta(seconds=11))
    status = {
        "conditions": [
            {"type": "Progressing", "reason": "ReplicaSetUpdated", "lastUpdateTime": stale}
        ]
    }
    assert util.deployment_timed_out(d, status, NOW)
    assert not util.deployment_timed_out(d, status, NOW - timedelta(seconds=5))
    status["conditions"][0]["reason"] = "NewReplicaSetAvailable"
    assert not util.deployment_timed_out(d, status, NOW)
