"""The DaemonSet RollingUpdate plan: maxUnavailable without surge, maxSurge with it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from microkube_controllers.daemonset.rolling import (
    plan_rolling_update,
    scaled_value,
    surge_and_unavailable,
)

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def pod(name, hash_, ready=True):
    return {
        "metadata": {
            "name": name,
            "labels": {"controller-revision-hash": hash_},
            "creationTimestamp": "2026-01-01T11:00:00Z",
        },
        "spec": {"nodeName": name.split("/")[0]},
        "status": {
            "phase": "Running",
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "lastTransitionTime": "2026-01-01T11:00:00Z",
                }
            ],
        },
    }


def names(pods):
    return sorted(p["metadata"]["name"] for p in pods)


def test_int_or_percent_scaling():
    assert scaled_value("25%", 10, round_up=True) == 3
    assert scaled_value("25%", 10, round_up=False) == 2
    assert scaled_value(2, 10, round_up=True) == 2
    assert scaled_value("3", 10, round_up=True) == 3
    assert scaled_value(None, 10, round_up=True) == 0
    with pytest.raises(ValueError):
        scaled_value("x%", 10, round_up=True)
    assert surge_and_unavailable({"maxSurge": 0, "maxUnavailable": 0}, 5) == (0, 1)
    assert surge_and_unavailable({"maxSurge": "20%", "maxUnavailable": 0}, 5) == (1, 0)


def test_without_surge_replaces_up_to_max_unavailable_old_pods():
    node_pods = {f"n{i}": [pod(f"n{i}/old", "v1")] for i in range(4)}
    plan = plan_rolling_update(
        node_pods, revision_hash="v2", max_surge=0, max_unavailable=2, min_ready_seconds=0, now=NOW
    )
    assert len(plan.delete) == 2 and plan.create_on == []


def test_without_surge_counts_unavailable_new_pods_and_replaces_broken_old_ones():
    node_pods = {
        "n0": [pod("n0/new", "v2", ready=False)],  # updated, not yet available
        "n1": [pod("n1/old", "v1", ready=False)],  # old and broken: replaced regardless
        "n2": [pod("n2/old", "v1")],
        "n3": [],
    }
    plan = plan_rolling_update(
        {k: v for k, v in node_pods.items() if v},
        revision_hash="v2",
        max_surge=0,
        max_unavailable=1,
        min_ready_seconds=0,
        now=NOW,
    )
    assert names(plan.delete) == ["n1/old"]


def test_surge_starts_new_pods_beside_old_ones_then_removes_the_old():
    node_pods = {f"n{i}": [pod(f"n{i}/old", "v1")] for i in range(3)}
    plan = plan_rolling_update(
        node_pods, revision_hash="v2", max_surge=1, max_unavailable=0, min_ready_seconds=0, now=NOW
    )
    assert plan.delete == [] and plan.create_on == ["n0"]
    node_pods["n0"].append(pod("n0/new", "v2", ready=False))
    plan = plan_rolling_update(
        node_pods, revision_hash="v2", max_surge=1, max_unavailable=0, min_ready_seconds=0, now=NOW
    )
    assert plan.delete == [] and plan.create_on == []  # waiting for n0's new pod
    node_pods["n0"][1] = pod("n0/new", "v2", ready=True)
    plan = plan_rolling_update(
        node_pods, revision_hash="v2", max_surge=1, max_unavailable=0, min_ready_seconds=0, now=NOW
    )
    assert names(plan.delete) == ["n0/old"]
    assert plan.create_on == ["n1"]
