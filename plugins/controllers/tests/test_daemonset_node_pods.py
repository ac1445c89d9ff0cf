"""Per-node decisions of the DaemonSet controller."""

from __future__ import annotations

from datetime import UTC, datetime

from microkube_controllers.daemonset.node_pods import judge_node, updated_and_old
from microkube_controllers.daemonset.placement import Placement

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
RUN = Placement(True, True)


def pod(
    name, hash_="h1", phase="Running", ready=True, created="2026-01-01T10:00:00Z", deleting=False
):
    meta = {
        "name": name,
        "namespace": "ns",
        "labels": {"controller-revision-hash": hash_},
        "creationTimestamp": created,
    }
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T11:00:00Z"
    return {
        "metadata": meta,
        "spec": {"nodeName": "n1"},
        "status": {
            "phase": phase,
            "conditions": [
                {
                    "type": "Ready",
                    "status": str(ready),
                    "lastTransitionTime": "2026-01-01T10:00:00Z",
                }
            ],
        },
    }


def judge(where, pods, surge=False, backoff=False):
    return judge_node(
        where,
        pods,
        revision_hash="h2",
        allows_surge=surge,
        min_ready_seconds=0,
        now=NOW,
        in_failure_backoff=backoff,
    )


def names(pods):
    return sorted(p["metadata"]["name"] for p in pods)


def test_create_where_missing_and_remove_where_unwanted():
    assert judge(RUN, None).create
    assert not judge(Placement(False, False), None).create
    gone = judge(Placement(False, False), [pod("a"), pod("b", deleting=True)])
    assert names(gone.delete) == ["a"]
    # NoSchedule only: an existing pod may stay
    assert judge(Placement(False, True), [pod("a")]).delete == []


def test_failed_pods_go_after_their_back_off_and_extras_are_trimmed():
    verdict = judge(RUN, [pod("f", phase="Failed")])
    assert names(verdict.failed) == ["f"]
    held = judge(RUN, [pod("f", phase="Failed")], backoff=True)
    assert held.failed == [] and held.failed_backing_off
    extra = judge(RUN, [pod("old"), pod("young", created="2026-01-01T11:00:00Z")])
    assert names(extra.delete) == ["young"]  # the oldest stays


def test_surge_keeps_old_and_new_until_the_new_one_is_available():
    waiting = judge(RUN, [pod("old"), pod("new", "h2", ready=False)], surge=True)
    assert waiting.delete == []
    done = judge(RUN, [pod("old"), pod("new", "h2")], surge=True)
    assert names(done.delete) == ["old"]


def test_updated_and_old_pods_of_a_node():
    new, old, single = updated_and_old([pod("a"), pod("b", "h2")], "h2")
    assert (new["metadata"]["name"], old["metadata"]["name"], single) == ("b", "a", True)
    assert updated_and_old([pod("a"), pod("b")], "h2")[2] is False
