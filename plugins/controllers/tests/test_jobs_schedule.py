"""CronJob schedules: cron fields, descriptors, time zones, and the activation due now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from microkube_controllers.jobs.cronjob_jobs import (
    job_for_schedule,
    job_name,
    most_recent_schedule,
)
from microkube_controllers.jobs.schedule import ScheduleError, parse_schedule

T0 = datetime(2026, 3, 10, 8, 30, 0, tzinfo=UTC)


def test_five_field_cron_and_descriptors():
    every_5 = parse_schedule("*/5 * * * *")
    assert every_5.next_after(T0) == T0 + timedelta(minutes=5)
    assert every_5.last_at_or_before(T0) == T0  # an activation exactly now is due now
    hourly = parse_schedule("@hourly")
    assert hourly.next_after(T0) == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert parse_schedule("@daily").next_after(T0) == datetime(2026, 3, 11, tzinfo=UTC)
    weekdays = parse_schedule("0 9 * * 1-5")
    assert weekdays.next_after(datetime(2026, 3, 13, 10, tzinfo=UTC)) == datetime(
        2026, 3, 16, 9, tzinfo=UTC
    )  # Friday after nine: next Monday


def test_time_zones_from_the_field_or_the_prefix():
    tokyo = parse_schedule("0 9 * * *", "Asia/Tokyo")
    assert tokyo.next_after(T0) == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)
    prefixed = parse_schedule("CRON_TZ=America/New_York 0 9 * * *")
    # 9:00 in New York on 10 March 2026 (EDT since the 8th) is 13:00 UTC
    assert prefixed.next_after(T0) == datetime(2026, 3, 10, 13, 0, tzinfo=UTC)


def test_every_duration():
    schedule = parse_schedule("@every 1h30m")
    assert schedule.next_after(T0) == T0 + timedelta(hours=1, minutes=30)


@pytest.mark.parametrize(
    ("text", "zone", "message"),
    [
        ("* * * *", None, "expected exactly 5 fields, found 4"),
        ("0 0 * * * *", None, "expected exactly 5 fields, found 6"),
        ("61 * * * *", None, "out of range"),
        ("@often", None, "unrecognized descriptor: @often"),
        ("@every soon", None, "failed to parse duration soon"),
        ("* * * * *", "Mars/Olympus", "unknown time zone Mars/Olympus"),
        ("", None, "empty spec string"),
    ],
)
def test_bad_schedules_are_refused_with_a_reason(text, zone, message):
    with pytest.raises(ScheduleError, match=message):
        parse_schedule(text, zone)


def cron_job(created="2026-03-10T08:00:00Z", last=None, **spec):
    return {
        "metadata": {
            "name": "nightly",
            "namespace": "ns",
            "uid": "u1",
            "creationTimestamp": created,
        },
        "spec": {"schedule": "*/10 * * * *", "jobTemplate": {"spec": {"template": {}}}, **spec},
        "status": {"lastScheduleTime": last} if last else {},
    }


def test_most_recent_activation_and_missed_count():
    schedule = parse_schedule("*/10 * * * *")
    assert most_recent_schedule(cron_job(), schedule, T0) == (T0, 3)  # 8:10, 8:20, 8:30
    recent = cron_job(last="2026-03-10T08:30:00Z")
    assert most_recent_schedule(recent, schedule, T0 + timedelta(minutes=5)) == (None, 0)
    # a deadline of 5 minutes hides the older activations
    limited = cron_job(startingDeadlineSeconds=300)
    assert most_recent_schedule(limited, schedule, T0 + timedelta(minutes=3)) == (T0, 1)


def test_too_many_missed_activations_still_find_the_latest():
    schedule = parse_schedule("* * * * *")
    old = cron_job(created="2026-03-09T00:00:00Z")
    latest, missed = most_recent_schedule(old, schedule, T0)
    assert latest == T0 and missed > 100


def test_job_name_and_body():
    assert job_name(cron_job(), T0) == f"nightly-{int(T0.timestamp()) // 60}"
    body = job_for_schedule(cron_job(timeZone="Asia/Tokyo"), T0)
    annotations = body["metadata"]["annotations"]
    assert annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] == (
        "2026-03-10T17:30:00+09:00"
    )
    owner = body["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["uid"], owner["controller"]) == ("CronJob", "u1", True)
