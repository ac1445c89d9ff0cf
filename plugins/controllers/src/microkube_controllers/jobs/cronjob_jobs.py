"""What the CronJob controller derives from a CronJob: its Jobs' names, bodies and references,
and when it is due (upstream ``cronjob/utils.go``)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from microkube_controllers.common.ownerrefs import new_controller_ref
from microkube_controllers.common.timeutil import parse_time
from microkube_controllers.jobs.schedule import Schedule, time_zone

__all__ = [
    "SCHEDULED_TIMESTAMP",
    "TOO_MANY_MISSED",
    "job_for_schedule",
    "job_name",
    "job_reference",
    "most_recent_schedule",
]

#: the annotation recording which scheduled time a Job was created for (1.32, beta)
SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
#: more missed start times than this get a warning, as upstream
TOO_MANY_MISSED = 100
_MAX_STEPS = 100_000


def job_name(cron_job: Mapping[str, Any], scheduled: datetime) -> str:
    """``<cronjob>-<scheduled time in minutes since the epoch>``, deterministic so a
    restarted controller never creates a second Job for the same time."""
    return f"{cron_job['metadata']['name']}-{int(scheduled.timestamp()) // 60}"


def job_for_schedule(cron_job: Mapping[str, Any], scheduled: datetime) -> dict[str, Any]:
    """The Job to create for ``scheduled`` from the CronJob's ``jobTemplate``."""
    template = copy.deepcopy((cron_job.get("spec") or {}).get("jobTemplate") or {})
    template_meta = template.get("metadata") or {}
    zone = time_zone((cron_job.get("spec") or {}).get("timeZone"))
    local = scheduled.astimezone(zone) if zone else scheduled
    annotations = dict(template_meta.get("annotations") or {})
    annotations[SCHEDULED_TIMESTAMP] = local.isoformat().replace("+00:00", "Z")
    meta = cron_job.get("metadata") or {}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": job_name(cron_job, scheduled),
            "namespace": meta.get("namespace"),
            "labels": dict(template_meta.get("labels") or {}),
            "annotations": annotations,
            "ownerReferences": [new_controller_ref(cron_job, "batch/v1", "CronJob")],
        },
        "spec": template.get("spec") or {},
    }


def job_reference(job: Mapping[str, Any]) -> dict[str, Any]:
    """The ObjectReference a CronJob lists in ``status.active``."""
    meta = job.get("metadata") or {}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "name": meta.get("name"),
        "namespace": meta.get("namespace"),
        "uid": meta.get("uid"),
        "resourceVersion": meta.get("resourceVersion"),
    }


def most_recent_schedule(
    cron_job: Mapping[str, Any], schedule: Schedule, now: datetime
) -> tuple[datetime | None, int]:
    """The latest activation not yet acted upon that is due by ``now``, and how many
    activations were missed since the last one (upstream ``mostRecentScheduleTime``).

    Activations are looked for after ``status.lastScheduleTime`` (or the CronJob's
    creation), but no earlier than ``startingDeadlineSeconds`` before ``now``.
    """
    spec = cron_job.get("spec") or {}
    status = cron_job.get("status") or {}
    earliest = parse_time(status.get("lastScheduleTime")) or parse_time(
        (cron_job.get("metadata") or {}).get("creationTimestamp")
    )
    if earliest is None:
        earliest = now
    deadline = spec.get("startingDeadlineSeconds")
    if deadline is not None:
        earliest = max(earliest, now - timedelta(seconds=int(deadline)))
    first = schedule.next_after(earliest)
    if first > now:
        return None, 0
    latest = schedule.last_at_or_before(now)
    missed, moment = 1, first
    while missed <= TOO_MANY_MISSED and missed < _MAX_STEPS:
        following = schedule.next_after(moment)
        if following > now:
            return (latest or moment), missed
        moment = following
        missed += 1
    if latest is None:  # a constant delay: walk on (bounded) to the last activation
        while missed < _MAX_STEPS:
            following = schedule.next_after(moment)
            if following > now:
                break
            moment = following
            missed += 1
        latest = moment
    return latest, missed
