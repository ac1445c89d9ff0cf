"""Sorting a Job's pods: active, terminating, newly finished, to release."""

from __future__ import annotations

from microkube_controllers.jobs.census import apply_failure_policy, take_census
from microkube_controllers.jobs.pods import TRACKING_FINALIZER


def pod(uid, phase="Running", *, tracked=True, deleting=False, ready=False, code=1):
    meta = {"name": uid, "uid": uid, "finalizers": [TRACKING_FINALIZER] if tracked else []}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    status = {"phase": phase, "conditions": [{"type": "Ready", "status": str(ready)}]}
    if phase == "Failed":
        status["containerStatuses"] = [{"name": "c", "state": {"terminated": {"exitCode": code}}}]
    return {"metadata": meta, "status": status}


def names(pods):
    return sorted(p["metadata"]["uid"] for p in pods)


def test_census_sorts_pods_and_never_counts_twice():
    pods = [
        pod("run", ready=True),
        pod("pending", "Pending"),
        pod("going", deleting=True),
        pod("ok", "Succeeded"),
        pod("bad", "Failed"),
        pod("recorded", "Failed"),
        pod("counted", "Succeeded", tracked=False),
        pod("released", "Succeeded"),
    ]
    status = {"uncountedTerminatedPods": {"failed": ["recorded"]}}
    census = take_census(status, pods, only_replace_failed=False, counted={"released"})
    assert names(census.active) == ["pending", "run"]
    assert census.ready == 1 and census.terminating == 1
    assert names(census.new_succeeded) == ["ok"]
    # a pod deleted before it succeeded counts as failed (it may never reach Failed)
    assert names(census.new_failed) == ["bad", "going"]
    assert names(census.to_release) == ["recorded"]


def test_only_failed_phase_counts_when_replacing_failed_pods_only():
    census = take_census({}, [pod("going", deleting=True)], only_replace_failed=True, counted=set())
    assert census.new_failed == [] and census.terminating == 1


def test_failure_policy_drops_ignored_failures_and_reports_fail_job():
    policy = {
        "rules": [
            {"action": "Ignore", "onExitCodes": {"operator": "In", "values": [7]}},
            {"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}},
        ]
    }
    census = take_census(
        {},
        [pod("ignored", "Failed", code=7), pod("fatal", "Failed", code=42), pod("x", "Failed")],
        only_replace_failed=True,
        counted=set(),
    )
    message = apply_failure_policy(policy, census)
    assert names(census.new_failed) == ["fatal", "x"]
    assert names(census.to_release) == ["ignored"]
    assert message.startswith("Container c for pod None/fatal failed with exit code 42")
