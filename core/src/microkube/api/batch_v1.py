"""batch/v1: Job and CronJob (Kubernetes 1.32)."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.core_v1 import ObjectReference, PodTemplateSpec
from microkube.api.meta_v1 import LabelSelector, ListMeta, ObjectMeta, Time

GROUP_VERSION = "batch/v1"

# --- Job ----------------------------------------------------------------------------------


@model
class PodFailurePolicyOnExitCodesRequirement:
    container_name: str | None = field()
    operator: str | None = field()  # "In" or "NotIn"
    values: list[int] | None = field()


@model
class PodFailurePolicyOnPodConditionsPattern:
    type: str | None = field()
    status: str | None = field()


@model
class PodFailurePolicyRule:
    action: str | None = field()  # "FailJob", "FailIndex", "Ignore" or "Count"
    on_exit_codes: PodFailurePolicyOnExitCodesRequirement | None = field()
    on_pod_conditions: list[PodFailurePolicyOnPodConditionsPattern] | None = field()


@model
class PodFailurePolicy:
    rules: list[PodFailurePolicyRule] | None = field()


@model
class SuccessPolicyRule:
    succeeded_indexes: str | None = field()  # interval list, e.g. "1,3-5,7"
    succeeded_count: int | None = field()


@model
class SuccessPolicy:
    rules: list[SuccessPolicyRule] | None = field()


@model
class JobSpec:
    parallelism: int | None = field()
    completions: int | None = field()
    active_deadline_seconds: int | None = field()
    pod_failure_policy: PodFailurePolicy | None = field()
    success_policy: SuccessPolicy | None = field()
    backoff_limit: int | None = field()
    backoff_limit_per_index: int | None = field()
    max_failed_indexes: int | None = field()
    selector: LabelSelector | None = field()
    manual_selector: bool | None = field()
    template: PodTemplateSpec | None = field()
    ttl_seconds_after_finished: int | None = field()
    completion_mode: str | None = field()  # "NonIndexed" (default) or "Indexed"
    suspend: bool | None = field()
    pod_replacement_policy: str | None = field()  # "TerminatingOrFailed" or "Failed"
    managed_by: str | None = field()


@model
class JobCondition:
    type: str | None = field()  # "Complete", "Failed", "Suspended", "FailureTarget", ...
    status: str | None = field()
    last_probe_time: Time | None = field()
    last_transition_time: Time | None = field()
    reason: str | None = field()
    message: str | None = field()


@model
class UncountedTerminatedPods:
    """UIDs of finished pods whose finalizer the Job controller has yet to remove."""

    succeeded: list[str] | None = field()
    failed: list[str] | None = field()


@model
class JobStatus:
    conditions: list[JobCondition] | None = field()
    start_time: Time | None = field()
    completion_time: Time | None = field()
    active: int | None = field()
    succeeded: int | None = field()
    failed: int | None = field()
    terminating: int | None = field()
    completed_indexes: str | None = field()
    failed_indexes: str | None = field()
    uncounted_terminated_pods: UncountedTerminatedPods | None = field()
    ready: int | None = field()


@model
class Job:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Job")
    metadata: ObjectMeta | None = field()
    spec: JobSpec | None = field()
    status: JobStatus | None = field()


@model
class JobList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="JobList")
    metadata: ListMeta | None = field()
    items: list[Job] | None = field()


# --- CronJob ------------------------------------------------------------------------------


@model
class JobTemplateSpec:
    metadata: ObjectMeta | None = field()
    spec: JobSpec | None = field()


@model
class CronJobSpec:
    schedule: str | None = field()
    time_zone: str | None = field()
    starting_deadline_seconds: int | None = field()
    concurrency_policy: str | None = field()  # "Allow" (default), "Forbid" or "Replace"
    suspend: bool | None = field()
    job_template: JobTemplateSpec | None = field()
    successful_jobs_history_limit: int | None = field()
    failed_jobs_history_limit: int | None = field()


@model
class CronJobStatus:
    active: list[ObjectReference] | None = field()
    last_schedule_time: Time | None = field()
    last_successful_time: Time | None = field()


@model
class CronJob:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="CronJob")
    metadata: ObjectMeta | None = field()
    spec: CronJobSpec | None = field()
    status: CronJobStatus | None = field()


@model
class CronJobList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="CronJobList")
    metadata: ListMeta | None = field()
    items: list[CronJob] | None = field()


KINDS: tuple[type, ...] = (Job, JobList, CronJob, CronJobList)
