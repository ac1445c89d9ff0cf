"""batch/v1 defaults: Job (including its generated selector) and CronJob."""

from __future__ import annotations

from typing import Any

from microkube_apiserver.admission.defaults.pod import default_template

__all__ = ["default_cron_job", "default_job", "default_job_spec", "generate_job_selector"]

CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
JOB_NAME = "batch.kubernetes.io/job-name"


def default_job_spec(spec: dict[str, Any]) -> None:
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    spec.setdefault("parallelism", 1)
    # With a per-index limit the job-wide one is effectively off (upstream: MaxInt32).
    per_index = spec.get("backoffLimitPerIndex") is not None
    spec.setdefault("backoffLimit", 2147483647 if per_index else 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    if spec.get("podFailurePolicy") is None:
        spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    default_template(spec.get("template"))


def generate_job_selector(job: dict[str, Any]) -> None:
    """What Job's PrepareForCreate does unless ``manualSelector``: select on the job's uid and
    label the template with it and the job's name (both label spellings, as 1.32 does)."""
    spec = job.setdefault("spec", {})
    if spec.get("manualSelector"):
        return
    metadata = job.get("metadata") or {}
    uid, name = metadata.get("uid"), metadata.get("name")
    if not uid or not name:
        return
    template = spec.setdefault("template", {})
    labels = template.setdefault("metadata", {}).setdefault("labels", {})
    labels.setdefault(CONTROLLER_UID, uid)
    labels.setdefault(JOB_NAME, name)
    labels.setdefault("controller-uid", uid)
    labels.setdefault("job-name", name)
    spec.setdefault("selector", {"matchLabels": {CONTROLLER_UID: uid}})


def default_job(job: dict[str, Any]) -> None:
    default_job_spec(job.setdefault("spec", {}))


def default_cron_job(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_template = spec.get("jobTemplate")
    if job_template is not None:
        job_spec = job_template.setdefault("spec", {})
        if job_spec.get("completions") is None and job_spec.get("parallelism") is None:
            job_spec["completions"] = 1
            job_spec["parallelism"] = 1
        job_spec.setdefault("backoffLimit", 6)
        job_spec.setdefault("completionMode", "NonIndexed")
        job_spec.setdefault("suspend", False)
        default_template(job_spec.get("template"))
