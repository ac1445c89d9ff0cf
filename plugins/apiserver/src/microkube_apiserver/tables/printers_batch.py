"""batch/v1 jobs (STATUS COMPLETIONS DURATION AGE) and cronjobs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from microkube_apiserver.tables.duration import human_duration, nanoseconds, parse_time, since
from microkube_apiserver.tables.fmt import (
    NONE,
    bool_ptr,
    dig,
    format_label_selector,
    layout_containers,
)
from microkube_apiserver.tables.printer import AGE, CONTAINERS, IMAGES, NAME, Column, Printer

__all__ = ["CRON_JOB", "JOB", "job_status"]


def _condition(conditions: list[Any], kind: str) -> bool:
    """Whether the first condition of type ``kind`` is True (``hasJobCondition``)."""
    for condition in conditions:
        if condition.get("type") == kind:
            return condition.get("status") == "True"
    return False


def job_status(job: Mapping[str, Any]) -> str:
    """Complete, Failed, Terminating, Suspended, FailureTarget or Running, in that precedence."""
    conditions = dig(job, "status", "conditions") or []
    if _condition(conditions, "Complete"):
        return "Complete"
    if _condition(conditions, "Failed"):
        return "Failed"
    if dig(job, "metadata", "deletionTimestamp") is not None:
        return "Terminating"
    if _condition(conditions, "Suspended"):
        return "Suspended"
    if _condition(conditions, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def _completions(job: Mapping[str, Any]) -> str:
    spec = job.get("spec") or {}
    succeeded = int(dig(job, "status", "succeeded") or 0)
    completions, parallelism = spec.get("completions"), spec.get("parallelism")
    if completions is None and parallelism is None:  # v1 defaulting: both become 1
        completions = 1
    if completions is not None:
        return f"{succeeded}/{completions}"
    if (parallelism or 0) > 1:
        return f"{succeeded}/1 of {parallelism}"
    return f"{succeeded}/1"


def _duration(job: Mapping[str, Any], now: datetime) -> str:
    """Start to completion, or start to now while running; empty before the job starts."""
    start = parse_time(dig(job, "status", "startTime"))
    if start is None:
        return ""
    end = parse_time(dig(job, "status", "completionTime"))
    return human_duration(nanoseconds((end or now) - start))


def _job_row(job: Mapping[str, Any], now: datetime) -> list[Any]:
    metadata = job.get("metadata") or {}
    names, images = layout_containers(dig(job, "spec", "template", "spec", "containers"))
    return [
        metadata.get("name") or "",
        job_status(job),
        _completions(job),
        _duration(job, now),
        since(metadata.get("creationTimestamp"), now),
        names,
        images,
        format_label_selector(dig(job, "spec", "selector")),
    ]


_JOB_SELECTOR = Column(
    "Selector",
    priority=1,
    description="A label query over pods that should match the pod count.",
)

JOB = Printer(
    (
        NAME,
        Column("Status", description="Status of the job."),
        Column(
            "Completions",
            description="The number of pods which reached phase Succeeded.",
        ),
        Column("Duration", description="Time required to complete the job."),
        AGE,
        CONTAINERS,
        IMAGES,
        _JOB_SELECTOR,
    ),
    _job_row,
)


def _cron_job_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    metadata = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    job_spec = dig(spec, "jobTemplate", "spec") or {}
    names, images = layout_containers(dig(job_spec, "template", "spec", "containers"))
    last = dig(obj, "status", "lastScheduleTime")
    return [
        metadata.get("name") or "",
        spec.get("schedule") or "",
        spec.get("timeZone") if spec.get("timeZone") is not None else NONE,
        bool_ptr(spec.get("suspend", False)),  # v1 defaulting sets false
        len(dig(obj, "status", "active") or []),
        NONE if last is None else since(last, now),
        since(metadata.get("creationTimestamp"), now),
        names,
        images,
        format_label_selector(job_spec.get("selector")),
    ]


CRON_JOB = Printer(
    (
        NAME,
        Column("Schedule", description="The schedule in Cron format."),
        Column("Timezone", description="The time zone name for the given schedule."),
        Column(
            "Suspend",
            type="boolean",
            description="This flag tells the controller to suspend subsequent executions.",
        ),
        Column(
            "Active", type="integer", description="A list of pointers to currently running jobs."
        ),
        Column(
            "Last Schedule",
            description="Information when was the last time the job was successfully scheduled.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        _JOB_SELECTOR,
    ),
    _cron_job_row,
)
