"""Failure budgets per completion index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from microkube_controllers.jobs.per_index import FAILURE_COUNT, index_failures

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def pod(index, phase="Running", before=0, code=1, finished="2026-01-01T11:59:50Z"):
    status = {"phase": phase}
    if phase == "Failed":
        status["containerStatuses"] = [
            {"name": "c", "state": {"terminated": {"exitCode": code, "finishedAt": finished}}}
        ]
    return {
        "metadata": {
            "name": f"p{index}-{before}",
            "annotations": {
                "batch.kubernetes.io/job-completion-index": str(index),
                FAILURE_COUNT: str(before),
            },
        },
        "status": status,
    }


def test_failures_accumulate_through_the_annotation():
    pods = [pod(0, "Failed", 0), pod(0, "Failed", 1), pod(0, "Running", 2), pod(1, "Succeeded")]
    state = index_failures(pods, None, only_replace_failed=True, now=NOW)
    assert state.counts == {0: 2}
    assert state.failed(1) == {0} and state.failed(2) == set()
    # the third try waits 2 * base after the last failure (10 s ago)
    assert state.remaining(0, NOW, 10, 360) == 10
    assert state.remaining(1, NOW, 10, 360) == 0


def test_ignored_and_fail_index_rules():
    policy = {
        "rules": [
            {"action": "Ignore", "onExitCodes": {"operator": "In", "values": [7]}},
            {"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [9]}},
        ]
    }
    pods = [pod(0, "Failed", code=7), pod(1, "Failed", code=9)]
    state = index_failures(pods, policy, only_replace_failed=True, now=NOW)
    assert state.counts == {1: 1}
    assert state.failed(5) == {1}
    assert state.remaining(1, NOW + timedelta(seconds=20), 10, 360) == 0
