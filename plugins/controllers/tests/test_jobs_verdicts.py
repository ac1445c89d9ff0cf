"""A Job's fate from its counts: failure, success, pods wanted, pods in excess."""

from __future__ import annotations

from datetime import UTC, datetime

from microkube_controllers.jobs.census import PodCensus
from microkube_controllers.jobs.verdicts import (
    deadline_in,
    excess_pods,
    failure_verdict,
    index_failure_verdict,
    success_verdict,
    want_active,
)

NOW = datetime(2026, 1, 1, 0, 1, 0, tzinfo=UTC)
STARTED = {"startTime": "2026-01-01T00:00:00Z"}


def pod(name, index=None, ready=False, created="2026-01-01T00:00:00Z"):
    meta = {"name": name, "creationTimestamp": created}
    if index is not None:
        meta["annotations"] = {"batch.kubernetes.io/job-completion-index": str(index)}
    return {
        "metadata": meta,
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": str(ready)}]},
    }


def test_failure_by_backoff_limit_then_deadline():
    assert failure_verdict({}, STARTED, 3, 2, NOW) == (
        "BackoffLimitExceeded",
        "Job has reached the specified backoff limit",
    )
    assert failure_verdict({}, STARTED, 2, 2, NOW) is None
    spec = {"activeDeadlineSeconds": 30}
    assert failure_verdict(spec, STARTED, 0, 6, NOW) == (
        "DeadlineExceeded",
        "Job was active longer than specified deadline",
    )
    assert deadline_in({"activeDeadlineSeconds": 90}, STARTED, NOW) == 30
    assert deadline_in({"activeDeadlineSeconds": 90, "suspend": True}, STARTED, NOW) is None


def test_failed_indexes():
    assert index_failure_verdict({"maxFailedIndexes": 0}, 3, set(), {1})[0] == (
        "MaxFailedIndexesExceeded"
    )
    assert index_failure_verdict({}, 3, {0}, {1}) is None  # index 2 still to run
    assert index_failure_verdict({}, 3, {0, 2}, {1}) == ("FailedIndexes", "Job has failed indexes")


def test_success():
    census = PodCensus()
    assert success_verdict({"completions": 2}, False, 2, set(), census)[0] == "CompletionsReached"
    assert success_verdict({"completions": 2}, False, 1, set(), census) is None
    # a work queue succeeds once a pod did and none runs
    assert success_verdict({}, False, 1, set(), PodCensus(active=[pod("a")])) is None
    assert success_verdict({}, False, 1, set(), census) is not None
    assert success_verdict({"completions": 3}, True, 0, {0, 1, 2}, census) is not None


def test_wanted_and_excess_pods():
    assert want_active({"completions": 5}, 0, 3, 4) == 2
    assert want_active({}, 2, 1, 4) == 2  # a work queue after a success: no new pods
    census = PodCensus(
        active=[pod("ready", ready=True), pod("new", created="2026-01-01T00:00:30Z"), pod("old")]
    )
    doomed = excess_pods(census, {"completions": 10}, None, 0, 2)
    assert [p["metadata"]["name"] for p in doomed] == ["old"]  # not ready, then oldest first
    indexed = PodCensus(
        active=[pod("a0", 0), pod("b0", 0, created="2026-01-01T00:00:05Z"), pod("a1", 1)]
    )
    doomed = excess_pods(indexed, {"completions": 3}, {1}, 1, 3)
    assert sorted(p["metadata"]["name"] for p in doomed) == ["a1", "b0"]  # done index, duplicate
