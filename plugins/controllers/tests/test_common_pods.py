"""Pod readiness, availability and the deletion ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from microkube_controllers.common.pods import (
    is_pod_active,
    is_pod_available,
    is_pod_ready,
    pod_key,
    rank_pods_for_deletion,
)
from microkube_controllers.common.timeutil import format_time

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def pod(name, *, node="n1", phase="Running", ready=True, ready_ago=600, created_ago=900, **extra):
    conditions = []
    if ready is not None:
        conditions.append(
            {
                "type": "Ready",
                "status": "True" if ready else "False",
                "lastTransitionTime": format_time(NOW - timedelta(seconds=ready_ago)),
            }
        )
    meta = {
        "name": name,
        "namespace": "default",
        "uid": f"uid-{name}",
        "creationTimestamp": format_time(NOW - timedelta(seconds=created_ago)),
        **extra.pop("meta", {}),
    }
    return {
        "metadata": meta,
        "spec": {"nodeName": node} if node else {},
        "status": {"phase": phase, "conditions": conditions, **extra.pop("status", {})},
    }


def test_ready_and_available():
    assert is_pod_ready(pod("a"))
    assert not is_pod_ready(pod("a", ready=False))
    assert not is_pod_ready(pod("a", ready=None))
    assert is_pod_available(pod("a", ready_ago=5), 0, NOW)
    assert not is_pod_available(pod("a", ready_ago=5), 10, NOW)
    assert is_pod_available(pod("a", ready_ago=11), 10, NOW)
    assert not is_pod_available(pod("a", ready=False), 0, NOW)


def test_active():
    assert is_pod_active(pod("a"))
    assert not is_pod_active(pod("a", phase="Succeeded"))
    assert not is_pod_active(pod("a", phase="Failed"))
    assert not is_pod_active(pod("a", meta={"deletionTimestamp": format_time(NOW)}))
    assert pod_key(pod("a")) == "default/a"


def names(pods):
    return [p["metadata"]["name"] for p in pods]


def test_ranking_prefers_unscheduled_pending_notready_first():
    pods = [
        pod("running-ready"),
        pod("unscheduled", node="", phase="Pending", ready=None),
        pod("pending", phase="Pending", ready=None),
        pod("not-ready", ready=False),
    ]
    assert names(rank_pods_for_deletion(pods, now=NOW)) == [
        "unscheduled",
        "pending",
        "not-ready",
        "running-ready",
    ]


def test_ranking_deletion_cost_then_crowded_nodes_then_newer():
    cheap = pod("cheap", meta={"annotations": {"controller.kubernetes.io/pod-deletion-cost": "-5"}})
    lonely = pod("lonely", node="n2")
    crowded = pod("crowded", node="n1")
    related = [pod("x", node="n1"), pod("y", node="n1"), lonely, crowded]
    assert names(rank_pods_for_deletion([lonely, crowded, cheap], related, NOW))[:2] == [
        "cheap",
        "crowded",
    ]
    young = pod("young", ready_ago=10, created_ago=20)
    old = pod("old", ready_ago=100000, created_ago=100000)
    assert names(rank_pods_for_deletion([old, young], now=NOW)) == ["young", "old"]


def test_ranking_more_restarts_first():
    calm = pod("calm", status={"containerStatuses": [{"restartCount": 0}]})
    flaky = pod("flaky", status={"containerStatuses": [{"restartCount": 7}]})
    assert names(rank_pods_for_deletion([calm, flaky], now=NOW)) == ["flaky", "calm"]
