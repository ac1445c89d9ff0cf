"""batch/v1 models: Job and CronJob, typed access, exact round-trips, strict decoding."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from microkube.api import StructureError, from_dict, kind_for, to_dict
from microkube.api.batch_v1 import KINDS, CronJob, Job, JobSpec, PodFailurePolicyRule
from microkube.api.core_v1 import ObjectReference
from microkube.api.meta_v1 import Time

JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "work", "namespace": "default"},
    "spec": {
        "parallelism": 3,
        "completions": 6,
        "completionMode": "Indexed",
        "backoffLimitPerIndex": 1,
        "maxFailedIndexes": 2,
        "activeDeadlineSeconds": 600,
        "ttlSecondsAfterFinished": 100,
        "suspend": False,
        "manualSelector": False,
        "podReplacementPolicy": "Failed",
        "selector": {"matchLabels": {"batch.kubernetes.io/job-name": "work"}},
        "podFailurePolicy": {
            "rules": [
                {
                    "action": "FailJob",
                    "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]},
                },
                {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]},
            ]
        },
        "successPolicy": {"rules": [{"succeededIndexes": "0,2-3", "succeededCount": 1}]},
        "template": {
            "spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "main", "image": "busybox", "command": ["true"]}],
            }
        },
    },
    "status": {
        "startTime": "2024-11-20T12:00:00Z",
        "active": 2,
        "ready": 2,
        "succeeded": 3,
        "failed": 1,
        "terminating": 0,
        "completedIndexes": "0-2",
        "failedIndexes": "4",
        "uncountedTerminatedPods": {"succeeded": ["2ac8b813-4be4-4cf9-9c74-6261b5226fe5"]},
        "conditions": [
            {
                "type": "FailureTarget",
                "status": "False",
                "lastProbeTime": "2024-11-20T12:01:00Z",
                "lastTransitionTime": "2024-11-20T12:01:00Z",
            }
        ],
    },
}


def round_trip(data: dict) -> dict:
    return to_dict(from_dict(copy.deepcopy(data)))


def test_job_fields_are_typed() -> None:
    job = from_dict(JOB)
    assert isinstance(job, Job)
    rules = job.spec.pod_failure_policy.rules
    assert all(isinstance(r, PodFailurePolicyRule) for r in rules)
    assert rules[0].on_exit_codes.values == [42]
    assert rules[1].on_pod_conditions[0].type == "DisruptionTarget"
    assert job.spec.success_policy.rules[0].succeeded_indexes == "0,2-3"
    assert job.spec.ttl_seconds_after_finished == 100
    assert job.spec.template.spec.restart_policy == "Never"
    assert isinstance(job.status.start_time, Time)
    assert job.status.start_time == datetime(2024, 11, 20, 12, tzinfo=UTC)
    assert job.status.uncounted_terminated_pods.succeeded == [
        "2ac8b813-4be4-4cf9-9c74-6261b5226fe5"
    ]
    assert job.status.uncounted_terminated_pods.failed is None
    assert job.status.terminating == 0


def test_job_round_trips_exactly() -> None:
    assert round_trip(JOB) == JOB


def test_empty_uncounted_terminated_pods_stays_an_empty_object() -> None:
    # The API returns `uncountedTerminatedPods: {}` on every finished Job.
    data = copy.deepcopy(JOB)
    data["status"]["uncountedTerminatedPods"] = {}
    assert round_trip(data)["status"]["uncountedTerminatedPods"] == {}


def test_unknown_field_is_rejected_with_its_path() -> None:
    data = copy.deepcopy(JOB)
    data["spec"]["podFailurePolicy"]["rules"][0]["onExitCodes"]["value"] = [1]
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert info.value.unknown_fields == ["spec.podFailurePolicy.rules[0].onExitCodes.value"]


def test_exit_codes_must_be_integers() -> None:
    data = copy.deepcopy(JOB)
    data["spec"]["podFailurePolicy"]["rules"][0]["onExitCodes"]["values"] = ["42"]
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert [e.path for e in info.value.errors] == [
        "$.spec.podFailurePolicy.rules[0].onExitCodes.values[0]"
    ]


def test_ttl_initialism_is_plain_camel_case() -> None:
    assert to_dict(JobSpec(ttl_seconds_after_finished=0)) == {"ttlSecondsAfterFinished": 0}


CRONJOB = {
    "apiVersion": "batch/v1",
    "kind": "CronJob",
    "metadata": {"name": "backup", "namespace": "data"},
    "spec": {
        "schedule": "30 2 * * *",
        "timeZone": "Europe/Berlin",
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": 200,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 1,
        "suspend": True,
        "jobTemplate": {
            "metadata": {"labels": {"app": "backup"}},
            "spec": {
                "backoffLimit": 2,
                "template": {
                    "spec": {
                        "restartPolicy": "OnFailure",
                        "containers": [{"name": "backup", "image": "postgres:17"}],
                    }
                },
            },
        },
    },
    "status": {
        "active": [
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "name": "backup-28870710",
                "namespace": "data",
                "uid": "c9f31b26-771e-404c-aa1c-55e62fb27aca",
            }
        ],
        "lastScheduleTime": "2024-11-21T01:30:00Z",
        "lastSuccessfulTime": "2024-11-20T01:31:12Z",
    },
}


def test_cronjob_fields_are_typed() -> None:
    cj = from_dict(CRONJOB)
    assert isinstance(cj, CronJob)
    assert cj.spec.time_zone == "Europe/Berlin"
    assert cj.spec.suspend is True
    template = cj.spec.job_template
    assert template.metadata.labels == {"app": "backup"}
    assert template.spec.backoff_limit == 2
    assert template.spec.template.spec.containers[0].image == "postgres:17"
    assert isinstance(cj.status.active[0], ObjectReference)
    assert cj.status.active[0].name == "backup-28870710"
    assert cj.status.last_schedule_time == datetime(2024, 11, 21, 1, 30, tzinfo=UTC)


def test_cronjob_round_trips_exactly() -> None:
    assert round_trip(CRONJOB) == CRONJOB


def test_cronjob_unknown_field_in_job_template_is_rejected() -> None:
    data = copy.deepcopy(CRONJOB)
    data["spec"]["jobTemplate"]["spec"]["backofLimit"] = 2
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert info.value.unknown_fields == ["spec.jobTemplate.spec.backofLimit"]


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_every_kind_is_registered_and_writes_its_type_meta(cls: type) -> None:
    assert kind_for("batch/v1", cls.__name__) is cls
    assert to_dict(cls()) == {"apiVersion": "batch/v1", "kind": cls.__name__}
