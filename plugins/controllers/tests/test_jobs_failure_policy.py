"""Pod failure policy rules: which failures count, which fail the Job at once."""

from __future__ import annotations

from microkube_controllers.jobs.failure_policy import PolicyVerdict, match_pod_failure_policy

POLICY = {
    "rules": [
        {
            "action": "FailJob",
            "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]},
        },
        {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
        {"action": "Count", "onExitCodes": {"operator": "NotIn", "values": [0, 3]}},
    ]
}


def failed_pod(code, name="main", conditions=()):
    return {
        "metadata": {"name": "p", "namespace": "ns"},
        "status": {
            "phase": "Failed",
            "conditions": list(conditions),
            "containerStatuses": [
                {"name": name, "state": {"terminated": {"exitCode": code, "reason": "Error"}}}
            ],
        },
    }


def test_fail_job_on_a_matching_exit_code_of_the_named_container():
    verdict = match_pod_failure_policy(POLICY, failed_pod(42))
    assert verdict.action == "FailJob" and verdict.counts
    assert verdict.message == (
        "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 0"
    )
    # another container's 42 does not match the first rule; the third counts it
    assert match_pod_failure_policy(POLICY, failed_pod(42, name="side")).action == "Count"


def test_ignore_on_a_disruption_condition():
    disrupted = failed_pod(137, conditions=[{"type": "DisruptionTarget", "status": "True"}])
    assert match_pod_failure_policy(POLICY, disrupted) == PolicyVerdict(False, "Ignore")


def test_no_rule_matching_counts_the_failure():
    assert match_pod_failure_policy(POLICY, failed_pod(3)) == PolicyVerdict()
    assert match_pod_failure_policy({"rules": []}, failed_pod(1)) == PolicyVerdict()
