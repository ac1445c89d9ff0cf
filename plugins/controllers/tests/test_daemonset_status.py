"""DaemonSet status numbers."""

from __future__ import annotations

from datetime import UTC, datetime

from microkube_controllers.daemonset.placement import Placement
from microkube_controllers.daemonset.status import daemon_set_status

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def pod(hash_, ready=True, since="2026-01-01T11:59:50Z"):
    return {
        "metadata": {"labels": {"controller-revision-hash": hash_}, "creationTimestamp": since},
        "status": {
            "conditions": [{"type": "Ready", "status": str(ready), "lastTransitionTime": since}]
        },
    }


def test_counts_per_node():
    ds = {
        "metadata": {"generation": 4},
        "spec": {"minReadySeconds": 30},
        "status": {"collisionCount": 1},
    }
    placements = {
        "a": Placement(True, True),
        "b": Placement(True, True),
        "c": Placement(True, True),
        "d": Placement(False, False),
    }
    node_pods = {
        "a": [pod("new", since="2026-01-01T11:00:00Z")],  # available
        "b": [pod("old")],  # ready for 10 s only: not available yet
        "d": [pod("old")],  # misscheduled
    }
    status = daemon_set_status(ds, placements, node_pods, revision_hash="new", now=NOW)
    assert status == {
        "currentNumberScheduled": 2,
        "numberMisscheduled": 1,
        "desiredNumberScheduled": 3,
        "numberReady": 2,
        "observedGeneration": 4,
        "updatedNumberScheduled": 1,
        "numberAvailable": 1,
        "numberUnavailable": 2,
        "collisionCount": 1,
    }
