"""What the Job controller reads from pods."""

from __future__ import annotations

from datetime import UTC, datetime

from microkube_controllers.jobs.pods import finish_time, is_active, is_failed, is_terminating

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def test_deleted_pods_count_as_failed_unless_they_succeeded():
    deleting = {
        "metadata": {"deletionTimestamp": "2026-01-01T11:00:00Z"},
        "status": {"phase": "Running"},
    }
    assert is_failed(deleting) and not is_failed(deleting, only_replace_failed=True)
    assert is_terminating(deleting) and not is_active(deleting)
    done = {"metadata": {"deletionTimestamp": "x"}, "status": {"phase": "Succeeded"}}
    assert not is_failed(done) and not is_terminating(done)


def test_finish_time_is_the_last_container_exit():
    pod = {
        "metadata": {},
        "status": {
            "containerStatuses": [
                {"state": {"terminated": {"finishedAt": "2026-01-01T11:00:00Z"}}},
                {"state": {"terminated": {"finishedAt": "2026-01-01T11:05:00Z"}}},
            ]
        },
    }
    assert finish_time(pod, NOW) == datetime(2026, 1, 1, 11, 5, tzinfo=UTC)
    assert finish_time({"metadata": {}, "status": {}}, NOW) == NOW
