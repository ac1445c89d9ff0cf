"""The Job controller (batch/v1): runs pods until enough succeed, or the Job fails.

As kube-controller-manager's ``job`` controller (1.32):

- pods are created with the ``batch.kubernetes.io/job-tracking`` finalizer; a finished pod is
  first recorded in ``status.uncountedTerminatedPods``, then its finalizer is removed, then it
  moves into ``succeeded``/``failed`` — so a pod is counted exactly once even if the
  controller restarts between steps, and nothing is lost when finished pods are deleted;
- ``parallelism``/``completions`` decide how many pods run; ``Indexed`` Jobs give each pod a
  completion index (annotation, label, ``JOB_COMPLETION_INDEX``, hostname);
- failures beyond ``backoffLimit``, or running past ``activeDeadlineSeconds``, set the interim
  ``FailureTarget`` condition, remove the remaining pods, then ``Failed``; success sets
  ``SuccessCriteriaMet``, then ``Complete`` with ``completionTime`` once no pod is left running;
- replacement pods wait an exponential back-off after failures (10 s doubling to 6 min);
- ``suspend`` removes the active pods and sets ``Suspended``; resuming restarts the clock.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from microkube.client import meta_namespace_key
from microkube.client.events import NORMAL, WARNING
from microkube.contracts.controller import ControllerContext
from microkube_controllers.common.base import QueueController
from microkube_controllers.common.expectations import Expectations
from microkube_controllers.common.handlers import unwrap_tombstone
from microkube_controllers.common.ownerrefs import (
    add_controller_uid_index,
    add_orphan_index,
    get_controller_of,
)
from microkube_controllers.common.selecting import owners_selecting
from microkube_controllers.common.timeutil import format_time, now
from microkube_controllers.jobs import conditions as cond
from microkube_controllers.jobs import pods as podutil
from microkube_controllers.jobs.backoff import DEFAULT_BACKOFF, MAX_BACKOFF, BackoffStore
from microkube_controllers.jobs.census import apply_failure_policy, pod_uid, take_census
from microkube_controllers.jobs.indexes import completion_index, format_indexes, parse_indexes
from microkube_controllers.jobs.job_pods import JobPodControl
from microkube_controllers.jobs.per_index import IndexFailures, index_failures
from microkube_controllers.jobs.verdicts import (
    MAX_PODS_PER_SYNC,
    Verdict,
    deadline_in,
    excess_pods,
    failure_verdict,
    index_failure_verdict,
    success_verdict,
    want_active,
)

__all__ = ["JobController"]

log = logging.getLogger(__name__)


def _job_owner(pod: Mapping[str, Any]) -> dict[str, Any] | None:
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or ():
        if ref.get("controller") and ref.get("kind") == "Job":
            return ref if str(ref.get("apiVersion", "")).startswith("batch/") else None
    return None


def _option(options: Mapping[str, Any], name: str, default: float) -> float:
    value = options.get(name)
    return default if value is None else float(value)


def _true(status: Mapping[str, Any], type_: str) -> dict[str, Any] | None:
    condition = cond.find_condition(status, type_)
    return condition if condition is not None and condition.get("status") == "True" else None


def _sooner(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


class JobController(QueueController):
    name = "job"
    component = "job-controller"

    def __init__(self, context: ControllerContext, *, clock: Callable[[], datetime] = now) -> None:
        super().__init__(context)
        self.clock = clock
        #: the first re-creation delay after a failure and its cap, in seconds (options
        #: ``job-pod-failure-backoff`` and ``job-pod-failure-backoff-max``; upstream has them
        #: fixed at 10 s and 6 min)
        self.backoff_base = _option(self.options, "job-pod-failure-backoff", DEFAULT_BACKOFF)
        self.backoff_max = _option(self.options, "job-pod-failure-backoff-max", MAX_BACKOFF)
        self.expectations = Expectations()
        self.backoffs = BackoffStore()
        self.jobs = self.watch(
            self.informers.informer("jobs"),
            on_add=self._job_changed,
            on_update=lambda old, new: self._job_changed(new),
            on_delete=self._job_deleted,
        )
        self.pods = self.informers.informer("pods")
        add_controller_uid_index(self.pods)
        add_orphan_index(self.pods)
        self.watch(
            self.pods,
            on_add=self._pod_added,
            on_update=self._pod_updated,
            on_delete=self._pod_deleted,
        )
        self.pod_control = JobPodControl(self.client, self.recorder, self.expectations, self.pods)

    # -- event handlers --------------------------------------------------------------------

    def _job_changed(self, job: dict[str, Any]) -> None:
        self.queue.add(meta_namespace_key(job))

    def _job_deleted(self, job: Any) -> None:
        key = meta_namespace_key(job)
        self.expectations.delete_expectations(key)
        self.backoffs.forget(key)
        self.queue.add(key)

    def _job_key(self, pod: Mapping[str, Any]) -> str | None:
        owner = _job_owner(pod)
        if owner is None:
            return None
        namespace = (pod.get("metadata") or {}).get("namespace")
        return f"{namespace}/{owner.get('name')}"

    def _pod_added(self, pod: dict[str, Any]) -> None:
        key = self._job_key(pod)
        if key:
            self.expectations.creation_observed(key)
            self.queue.add(key)
        elif get_controller_of(pod) is None:
            self._enqueue_selecting(pod)

    def _enqueue_selecting(self, pod: Mapping[str, Any]) -> None:
        """An orphan pod: every owner whose selector matches it may adopt it."""
        for owner in owners_selecting(self.jobs.store, pod):
            self.enqueue(owner)

    def _pod_updated(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        if not podutil.has_tracking_finalizer(new):
            self.pod_control.forget(new)
        key = self._job_key(new)
        previous = self._job_key(old)
        if previous and previous != key:
            self.queue.add(previous)  # released: its old Job recounts
        if key:
            if not (old.get("metadata") or {}).get("deletionTimestamp") and (
                new.get("metadata") or {}
            ).get("deletionTimestamp"):
                self.expectations.deletion_observed(key)
            self.queue.add(key)
        elif get_controller_of(new) is None:
            self._enqueue_selecting(new)

    def _pod_deleted(self, pod: Any) -> None:
        obj = unwrap_tombstone(pod)
        self.pod_control.forget(obj)
        key = self._job_key(obj)
        if key:
            if not (obj.get("metadata") or {}).get("deletionTimestamp"):
                self.expectations.deletion_observed(key)
            self.queue.add(key)

    # -- the reconcile ---------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        job = self.jobs.store.get(key)
        if job is None:
            await self._release_orphans(key)
            return
        # listed objects carry no kind: events and owner references need it
        job = {**job, "apiVersion": "batch/v1", "kind": "Job"}
        pods = await self.pod_control.claim(job)
        if cond.is_finished(job) or (job.get("metadata") or {}).get("deletionTimestamp"):
            holding = [p for p in pods if podutil.has_tracking_finalizer(p)]
            await self.pod_control.remove_finalizers(holding)
            return
        if not self.expectations.satisfied(key):
            return
        again = await self._sync_job(key, job, pods)
        if again is not None:
            self.queue.add_after(key, max(again, 0.05))

    async def _sync_job(
        self, key: str, job: dict[str, Any], pods: list[dict[str, Any]]
    ) -> float | None:
        """One reconcile of a running Job; seconds until it must be looked at again."""
        now = self.clock()
        spec = job.get("spec") or {}
        status: dict[str, Any] = copy.deepcopy(job.get("status") or {})
        indexed = spec.get("completionMode") == "Indexed"
        completions = int(spec.get("completions") or 0)
        parallelism = int(spec.get("parallelism") if spec.get("parallelism") is not None else 1)
        suspended = bool(spec.get("suspend"))
        policy = spec.get("podFailurePolicy")
        # with a pod failure policy only pods in the Failed phase count as failed (a policy
        # needs their exit codes); so also with ``podReplacementPolicy: Failed``
        only_failed = policy is not None or spec.get("podReplacementPolicy") == "Failed"
        census = take_census(
            status, pods, only_replace_failed=only_failed, counted=self.pod_control.released_uids
        )
        fail_job = apply_failure_policy(policy, census)
        per_index = spec.get("backoffLimitPerIndex") if indexed else None
        failures = index_failures(pods, policy, only_replace_failed=only_failed, now=now)
        events: list[tuple[str, str, str]] = []

        # -- record what finished since the last sync ---------------------------------------------
        uncounted = status.setdefault("uncountedTerminatedPods", {})
        if not indexed:
            uncounted["succeeded"] = [
                *(uncounted.get("succeeded") or ()),
                *map(pod_uid, census.new_succeeded),
            ]
        uncounted["failed"] = [*(uncounted.get("failed") or ()), *map(pod_uid, census.new_failed)]
        # Indexed Jobs count completion indexes, not pods: no uid needs recording for those.
        completed = parse_indexes(status.get("completedIndexes"), completions)
        failed_indexes: set[int] = set()
        if indexed:
            for pod in census.new_succeeded:
                index = completion_index(pod)
                if index is not None and index < completions:
                    completed.add(index)
            status["completedIndexes"] = format_indexes(completed)
            if per_index is not None:
                failed_indexes = parse_indexes(status.get("failedIndexes"), completions)
                failed_indexes = (failed_indexes | failures.failed(int(per_index))) - completed
                status["failedIndexes"] = format_indexes(failed_indexes)
        finished_indexes = completed | failed_indexes if indexed else None
        succeeded = (
            len(completed)
            if indexed
            else int(status.get("succeeded") or 0) + len(uncounted["succeeded"])
        )
        failed = int(status.get("failed") or 0) + len(uncounted["failed"])
        record = self.backoffs.next_record(
            key,
            [podutil.finish_time(p, now) for p in census.new_succeeded],
            [podutil.finish_time(p, now) for p in census.new_failed],
        )

        # -- decide the Job's fate ----------------------------------------------------------------
        if not suspended and status.get("startTime") is None:
            status["startTime"] = format_time(now)
        self._suspension(status, suspended, now, events)
        success = _true(status, cond.SUCCESS_CRITERIA_MET)
        failure = _true(status, cond.FAILURE_TARGET)
        if success is None and failure is None:
            verdict: Verdict | None
            if fail_job:
                verdict = ("PodFailurePolicy", fail_job)
            elif per_index is not None:  # backoffLimit gives way to the per-index budgets
                verdict = index_failure_verdict(spec, completions, completed, failed_indexes)
                verdict = verdict or failure_verdict(spec, status, failed, None, now)
            else:
                limit = spec.get("backoffLimit")
                limit = 6 if limit is None else int(limit)
                verdict = failure_verdict(spec, status, failed, limit, now)
            if verdict is not None:
                cond.set_condition(status, cond.FAILURE_TARGET, "True", *verdict, now)
                failure = _true(status, cond.FAILURE_TARGET)
            else:
                met = success_verdict(spec, indexed, succeeded, completed, census)
                if met is not None:
                    cond.set_condition(status, cond.SUCCESS_CRITERIA_MET, "True", *met, now)
                    success = _true(status, cond.SUCCESS_CRITERIA_MET)
        finishing = success is not None or failure is not None

        # -- decide what to do with pods ----------------------------------------------------------
        again: float | None = None
        create = False
        if finishing or suspended:
            doomed = list(census.active)
        else:
            done = len(finished_indexes) if finished_indexes is not None else succeeded
            doomed = excess_pods(census, spec, finished_indexes, done, parallelism)
            wait = 0.0
            if per_index is None:  # Indexed Jobs with budgets back off per index
                wait = record.remaining(now, self.backoff_base, self.backoff_max)
            if wait > 0:
                again = wait  # replacements wait out the back-off
            else:
                create = True
            again = _sooner(again, deadline_in(spec, status, now))
        active_left = len(census.active) - len(doomed)
        status["active"] = active_left
        status["ready"] = census.ready
        status["terminating"] = census.terminating + len(doomed)

        # -- record finished pods first, then let them go, then count them ------------------------
        job = await self._write_status(job, status)
        self.backoffs.store(key, record)
        await self.pod_control.delete(key, job, doomed)
        released = await self.pod_control.remove_finalizers(
            census.to_release + census.new_succeeded + census.new_failed
        )
        status = self._count_released(job.get("status") or {}, pods, released, indexed, succeeded)

        # -- the terminal condition, once no pod of the Job runs any more -------------------------
        if finishing and active_left == 0 and status["terminating"] == 0:
            if failure is not None:
                cond.set_condition(
                    status, cond.FAILED, "True", failure["reason"], failure["message"], now
                )
                events.append((WARNING, failure["reason"], failure["message"]))
            elif success is not None:
                cond.set_condition(
                    status, cond.COMPLETE, "True", success["reason"], success["message"], now
                )
                status["completionTime"] = format_time(now)
                events.append((NORMAL, "Completed", "Job completed"))
        elif finishing:
            again = _sooner(again, 1.0)  # the pods being removed will be gone soon
        job = await self._write_status(job, status)
        for type_, reason, message in events:
            self.recorder.event(job, type_, reason, message)
        if create:
            done = len(finished_indexes) if finished_indexes is not None else succeeded
            wait = await self._create_missing(
                key, job, census.active, finished_indexes, done, parallelism, failures, per_index
            )
            again = _sooner(again, wait)
        return again

    # -- helpers of the reconcile -------------------------------------------------------------

    def _suspension(
        self,
        status: dict[str, Any],
        suspended: bool,
        now: datetime,
        events: list[tuple[str, str, str]],
    ) -> None:
        current = cond.find_condition(status, cond.SUSPENDED)
        if suspended:
            if cond.set_condition(
                status, cond.SUSPENDED, "True", "JobSuspended", "Job suspended", now
            ):
                events.append((NORMAL, "Suspended", "Job suspended"))
        elif current is not None and current.get("status") == "True":
            cond.set_condition(status, cond.SUSPENDED, "False", "JobResumed", "Job resumed", now)
            status["startTime"] = format_time(now)  # the deadline counts from the resumption
            events.append((NORMAL, "Resumed", "Job resumed"))

    async def _create_missing(
        self,
        key: str,
        job: dict[str, Any],
        active: list[dict[str, Any]],
        finished_indexes: set[int] | None,
        done: int,
        parallelism: int,
        failures: IndexFailures,
        per_index: int | None,
    ) -> float | None:
        """Create the pods missing (Indexed: the lowest free indexes whose back-off is over);
        the seconds until a held-back index may start, if one is."""
        spec = job.get("spec") or {}
        missing = want_active(spec, len(active), done, parallelism) - len(active)
        missing = min(missing, MAX_PODS_PER_SYNC)
        if missing <= 0:
            return None
        if finished_indexes is None:
            await self.pod_control.create(key, job, [None] * missing, {})
            return None
        taken = finished_indexes | {completion_index(p) for p in active}
        free: list[int | None] = []
        wait: float | None = None
        for index in range(int(spec.get("completions") or 0)):
            if index in taken:
                continue
            held = 0.0
            if per_index is not None:
                held = failures.remaining(index, self.clock(), self.backoff_base, self.backoff_max)
            if held > 0:
                wait = _sooner(wait, held)
                continue
            free.append(index)
            if len(free) == missing:
                break
        await self.pod_control.create(key, job, free, failures.counts)
        return wait

    def _count_released(
        self,
        status: Mapping[str, Any],
        pods: list[dict[str, Any]],
        released: set[str],
        indexed: bool,
        succeeded: int,
    ) -> dict[str, Any]:
        """Move uids from ``uncountedTerminatedPods`` into the counters: those released now,
        and those whose pod is gone or was released earlier."""
        status = copy.deepcopy(dict(status))
        holding = {
            pod_uid(p)
            for p in pods
            if podutil.has_tracking_finalizer(p)
            and pod_uid(p) not in self.pod_control.released_uids
        }
        uncounted = status.setdefault("uncountedTerminatedPods", {})
        for field in ("succeeded", "failed"):
            waiting = list(uncounted.get(field) or ())
            done = [uid for uid in waiting if uid in released or uid not in holding]
            if done:
                status[field] = int(status.get(field) or 0) + len(done)
                uncounted[field] = [uid for uid in waiting if uid not in done]
            if not uncounted.get(field):
                uncounted.pop(field, None)
        if indexed:
            status["succeeded"] = succeeded
        return status

    async def _write_status(self, job: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
        """PUT the status if it changed (a conflict fails the sync: the queue retries it
        with the informer's fresher copy)."""
        if status == (job.get("status") or {}):
            return job
        return await self.client.replace_status("jobs", {**job, "status": status})

    async def _release_orphans(self, key: str) -> None:
        """Pods of a deleted Job must not keep their finalizer forever."""
        namespace, _, name = key.partition("/")
        orphans = [
            pod
            for pod in self.pods.store.by_index("namespace", namespace)
            if podutil.has_tracking_finalizer(pod) and (_job_owner(pod) or {}).get("name") == name
        ]
        await self.pod_control.remove_finalizers(orphans)
