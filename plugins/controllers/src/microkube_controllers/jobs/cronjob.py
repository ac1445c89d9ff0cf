"""The CronJob controller (batch/v1): creates a Job at each scheduled time.

As kube-controller-manager's ``cronjob`` controller (v2): it keeps ``status.active`` in step
with the Jobs it owns, starts the Job of the most recent missed activation (unless it is
older than ``startingDeadlineSeconds``), applies ``concurrencyPolicy`` (Allow, Forbid,
Replace) and ``suspend``, records ``lastScheduleTime``/``lastSuccessfulTime``, deletes finished
Jobs beyond ``successfulJobsHistoryLimit``/``failedJobsHistoryLimit``, and sleeps until the
next activation. The clock is injectable, so tests need not wait for real minutes.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from microkube.client import AlreadyExistsError, NotFoundError, meta_namespace_key
from microkube.client.events import NORMAL, WARNING
from microkube.contracts.controller import ControllerContext
from microkube_controllers.common.base import QueueController
from microkube_controllers.common.handlers import unwrap_tombstone
from microkube_controllers.common.ownerrefs import get_controller_of
from microkube_controllers.common.timeutil import format_time, now, parse_time
from microkube_controllers.jobs import conditions as cond
from microkube_controllers.jobs.cronjob_jobs import (
    TOO_MANY_MISSED,
    job_for_schedule,
    job_name,
    job_reference,
    most_recent_schedule,
)
from microkube_controllers.jobs.schedule import ScheduleError, parse_schedule

__all__ = ["CronJobController"]

log = logging.getLogger(__name__)

CRONJOB_UID_INDEX = "cronjob-controller-uid"
#: activations are acted on a moment after they are due (upstream's ``nextScheduleDelta``)
_NEXT_SCHEDULE_DELTA = 0.1


def _cronjob_uid(job: Mapping[str, Any]) -> list[str]:
    ref = get_controller_of(job)
    if ref and ref.get("kind") == "CronJob" and ref.get("uid"):
        return [ref["uid"]]
    return []


def _finished_type(job: Mapping[str, Any]) -> str | None:
    status = job.get("status") or {}
    for type_ in (cond.COMPLETE, cond.FAILED):
        found = cond.find_condition(status, type_)
        if found is not None and found.get("status") == "True":
            return type_
    return None


class CronJobController(QueueController):
    name = "cronjob"
    component = "cronjob-controller"

    def __init__(self, context: ControllerContext, *, clock: Callable[[], datetime] = now) -> None:
        super().__init__(context)
        self.clock = clock
        self.cron_jobs = self.watch(
            self.informers.informer("cronjobs"),
            on_add=self._cron_job_changed,
            on_update=lambda old, new: self._cron_job_changed(new),
        )
        self.jobs = self.informers.informer("jobs")
        try:
            self.jobs.add_indexers({CRONJOB_UID_INDEX: _cronjob_uid})
        except ValueError:
            log.debug("jobs are indexed by %s already", CRONJOB_UID_INDEX)
        self.watch(
            self.jobs,
            on_add=self._job_changed,
            on_update=lambda old, new: self._job_changed(new),
            on_delete=self._job_changed,
        )

    def _cron_job_changed(self, cron_job: dict[str, Any]) -> None:
        self.queue.add(meta_namespace_key(cron_job))

    def _job_changed(self, job: Any) -> None:
        obj = unwrap_tombstone(job)
        ref = get_controller_of(obj)
        if ref and ref.get("kind") == "CronJob":
            self.queue.add(f"{(obj.get('metadata') or {}).get('namespace')}/{ref.get('name')}")

    async def sync(self, key: str) -> None:
        cron_job = self.cron_jobs.store.get(key)
        if cron_job is None:
            return
        # listed objects carry no kind: events and owner references need it
        cron_job = {**cron_job, "apiVersion": "batch/v1", "kind": "CronJob"}
        again = await self._sync(cron_job)
        if again is not None:
            self.queue.add_after(key, again)

    async def _sync(self, cron_job: dict[str, Any]) -> float | None:
        moment = self.clock()
        owned = self.jobs.store.by_index(CRONJOB_UID_INDEX, cron_job["metadata"]["uid"])
        listed = {ref.get("uid") for ref in (cron_job.get("status") or {}).get("active") or ()}
        if any(
            _finished_type(job) is None and job["metadata"].get("uid") not in listed
            for job in owned
        ):
            # The cache may not show our own last status write yet: read the CronJob afresh
            # rather than take the Job we just created for a stranger.
            meta = cron_job["metadata"]
            try:
                fresh = await self.client.get("cronjobs", meta["name"], meta["namespace"])
            except NotFoundError:
                return None
            cron_job = {**fresh, "apiVersion": "batch/v1", "kind": "CronJob"}
        status = copy.deepcopy(cron_job.get("status") or {})
        await self._reconcile_active(cron_job, status, owned)
        await self._clean_up_history(cron_job, owned)
        if (cron_job.get("metadata") or {}).get("deletionTimestamp"):
            await self._write_status(cron_job, status)
            return None
        spec = cron_job.get("spec") or {}
        try:
            schedule = parse_schedule(spec.get("schedule") or "", spec.get("timeZone"))
        except ScheduleError as exc:
            if spec.get("timeZone") and "time zone" in str(exc):
                self._warn(
                    cron_job,
                    "UnknownTimeZone",
                    f'invalid timeZone: "{spec.get("timeZone")}": {exc}',
                )
            else:
                self._warn(
                    cron_job,
                    "UnparseableSchedule",
                    f'unparseable schedule: "{spec.get("schedule")}" : {exc}',
                )
            await self._write_status(cron_job, status)
            return None  # nothing to do until the CronJob is changed
        until_next = (schedule.next_after(moment) - moment).total_seconds() + _NEXT_SCHEDULE_DELTA
        if spec.get("suspend"):
            await self._write_status(cron_job, status)
            return None
        view = {**cron_job, "status": status}
        scheduled, missed = most_recent_schedule(view, schedule, moment)
        if missed > TOO_MANY_MISSED:
            self._warn(
                cron_job,
                "TooManyMissedTimes",
                f"too many missed start times: {missed}. Set or decrease "
                ".spec.startingDeadlineSeconds or check clock skew",
            )
        if scheduled is None:
            await self._write_status(cron_job, status)
            return until_next
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None and (moment - scheduled).total_seconds() > int(deadline):
            self._warn(
                cron_job,
                "MissSchedule",
                f"Missed scheduled time to start a job: {format_datetime(scheduled)}",
            )
            await self._write_status(cron_job, status)
            return until_next
        name = job_name(cron_job, scheduled)
        if any(ref.get("name") == name for ref in status.get("active") or ()) or any(
            (job.get("metadata") or {}).get("name") == name for job in owned
        ):
            await self._write_status(cron_job, status)
            return until_next  # this activation was acted upon already
        active = status.get("active") or []
        policy = spec.get("concurrencyPolicy") or "Allow"
        if policy == "Forbid" and active:
            self.recorder.event(
                cron_job,
                NORMAL,
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy "
                "is Forbid",
            )
            await self._write_status(cron_job, status)
            return until_next
        if policy == "Replace":
            for ref in list(active):
                await self._delete_job(cron_job, ref["name"], ref.get("namespace"))
                active.remove(ref)
            status["active"] = active
        created = await self._create_job(cron_job, scheduled)
        if created is not None:
            status["active"] = [*active, job_reference(created)]
        status["lastScheduleTime"] = format_time(scheduled)
        await self._write_status(cron_job, status)
        return until_next

    async def _reconcile_active(
        self, cron_job: dict[str, Any], status: dict[str, Any], owned: list[dict[str, Any]]
    ) -> None:
        """Drop finished and vanished Jobs from ``status.active``; note successes."""
        active = list(status.get("active") or ())
        listed = {ref.get("uid") for ref in active}
        seen = set()
        for job in owned:
            meta = job.get("metadata") or {}
            seen.add(meta.get("uid"))
            finished = _finished_type(job)
            if finished is None and meta.get("uid") not in listed:
                self._warn(
                    cron_job,
                    "UnexpectedJob",
                    f"Saw a job that the controller did not create or forgot: {meta.get('name')}",
                )
                active.append(job_reference(job))
            elif finished is not None:
                if meta.get("uid") in listed:
                    active = [ref for ref in active if ref.get("uid") != meta.get("uid")]
                    self.recorder.event(
                        cron_job,
                        NORMAL,
                        "SawCompletedJob",
                        f"Saw completed job: {meta.get('name')}, condition: {finished}",
                    )
                if finished == cond.COMPLETE:
                    completed = (job.get("status") or {}).get("completionTime")
                    last = parse_time(status.get("lastSuccessfulTime"))
                    when = parse_time(completed)
                    if when is not None and (last is None or when > last):
                        status["lastSuccessfulTime"] = completed
        for ref in list(active):
            if ref.get("uid") in seen:
                continue
            try:  # the informer may lag: ask the API server before forgetting the Job
                job = await self.client.get("jobs", ref["name"], ref.get("namespace"))
            except NotFoundError:
                job = None
            if job is None or (job.get("metadata") or {}).get("uid") != ref.get("uid"):
                active.remove(ref)
                self.recorder.event(
                    cron_job, NORMAL, "MissingJob", f"Active job went missing: {ref['name']}"
                )
        if active or "active" in status:
            status["active"] = active
        if not status.get("active"):
            status.pop("active", None)

    async def _clean_up_history(
        self, cron_job: dict[str, Any], owned: list[dict[str, Any]]
    ) -> None:
        """Delete the oldest finished Jobs beyond the history limits."""
        spec = cron_job.get("spec") or {}
        for type_, field in (
            (cond.COMPLETE, "successfulJobsHistoryLimit"),
            (cond.FAILED, "failedJobsHistoryLimit"),
        ):
            limit = spec.get(field)
            if limit is None:
                continue
            finished = [
                job
                for job in owned
                if _finished_type(job) == type_
                and not (job.get("metadata") or {}).get("deletionTimestamp")
            ]
            if len(finished) <= int(limit):
                continue
            finished.sort(key=_start_time)
            for job in finished[: len(finished) - int(limit)]:
                meta = job["metadata"]
                await self._delete_job(cron_job, meta["name"], meta.get("namespace"))

    async def _create_job(
        self, cron_job: dict[str, Any], scheduled: datetime
    ) -> dict[str, Any] | None:
        body = job_for_schedule(cron_job, scheduled)
        namespace = cron_job["metadata"].get("namespace")
        try:
            job = await self.client.create("jobs", body, namespace)
        except AlreadyExistsError:
            existing = await self.client.get("jobs", body["metadata"]["name"], namespace)
            ref = get_controller_of(existing)
            if ref is not None and ref.get("uid") == cron_job["metadata"].get("uid"):
                return existing  # created by an earlier attempt whose answer was lost
            self._warn(
                cron_job,
                "FailedCreate",
                f'Error creating job: jobs.batch "{body["metadata"]["name"]}" already exists',
            )
            return None
        except Exception as exc:
            self._warn(cron_job, "FailedCreate", f"Error creating job: {exc}")
            raise
        self.recorder.event(
            cron_job, NORMAL, "SuccessfulCreate", f"Created job {job['metadata']['name']}"
        )
        return job

    async def _delete_job(self, cron_job: dict[str, Any], name: str, namespace: str | None) -> None:
        try:
            await self.client.delete("jobs", name, namespace, propagation_policy="Background")
        except NotFoundError:
            return
        except Exception as exc:
            self._warn(cron_job, "FailedDelete", f"Deleted job: {exc}")
            raise
        self.recorder.event(cron_job, NORMAL, "SuccessfulDelete", f"Deleted job {name}")

    async def _write_status(self, cron_job: dict[str, Any], status: dict[str, Any]) -> None:
        if status != (cron_job.get("status") or {}):
            await self.client.replace_status("cronjobs", {**cron_job, "status": status})

    def _warn(self, cron_job: dict[str, Any], reason: str, message: str) -> None:
        self.recorder.event(cron_job, WARNING, reason, message)


def _start_time(job: Mapping[str, Any]) -> tuple[str, str]:
    status = job.get("status") or {}
    meta = job.get("metadata") or {}
    return (status.get("startTime") or meta.get("creationTimestamp") or "", meta.get("name") or "")
