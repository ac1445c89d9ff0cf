"""Job status conditions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from microkube_controllers.jobs.conditions import find_condition, is_finished, set_condition

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_transition_time_moves_only_with_the_status():
    status: dict = {}
    assert set_condition(status, "Suspended", "True", "JobSuspended", "Job suspended", T0)
    assert not set_condition(status, "Suspended", "True", "JobSuspended", "Job suspended", T0)
    later = T0 + timedelta(seconds=5)
    set_condition(status, "Suspended", "False", "JobResumed", "Job resumed", later)
    found = find_condition(status, "Suspended")
    assert found["lastTransitionTime"] == "2026-01-01T00:00:05Z"
    assert (found["status"], found["reason"]) == ("False", "JobResumed")


def test_finished_means_complete_or_failed_true():
    assert not is_finished({"status": {}})
    assert is_finished({"status": {"conditions": [{"type": "Failed", "status": "True"}]}})
    assert not is_finished(
        {"status": {"conditions": [{"type": "FailureTarget", "status": "True"}]}}
    )
