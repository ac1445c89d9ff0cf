"""apps/v1 and batch/v1 rows: deployments, replicasets, daemonsets, statefulsets,
controllerrevisions, jobs and cronjobs."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from microkube_apiserver.tables import printer_for

MANIFESTS = Path(__file__).resolve().parents[3] / "tests" / "manifests"
NOW = datetime(2024, 11, 20, 12, 0, 0, tzinfo=UTC)


def manifest(name: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((MANIFESTS / name).read_text()) if doc]


def row(group: str, resource: str, obj: dict[str, Any], now: datetime = NOW) -> list[Any]:
    return printer_for(group, resource).row(obj, now)


def headers(group: str, resource: str) -> list[tuple[str, int]]:
    return [(c.name, c.priority) for c in printer_for(group, resource).columns]


# --- deployments --------------------------------------------------------------------------------


def test_deployment_from_manifest() -> None:
    (deployment,) = manifest("apps-deployment-status.yaml")
    assert headers("apps", "deployments") == [
        ("Name", 0),
        ("Ready", 0),
        ("Up-to-date", 0),
        ("Available", 0),
        ("Age", 0),
        ("Containers", 1),
        ("Images", 1),
        ("Selector", 1),
    ]
    assert row("apps", "deployments", deployment) == [
        "nginx-deployment",
        "3/3",
        3,
        3,
        "120m",
        "nginx",
        "nginx:1.16.1",
        "app=nginx",
    ]


def test_deployment_fresh_expression_selector_and_defaults() -> None:
    (deployment,) = manifest("apps-deployment-rolling-update.yaml")
    deployment = copy.deepcopy(deployment)
    deployment.pop("status", None)
    deployment["spec"]["selector"] = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["front", "api"]},
            {"key": "env", "operator": "DoesNotExist"},
        ],
    }
    cells = row("apps", "deployments", deployment)
    assert cells[1:4] == ["0/3", 0, 0]
    assert cells[7] == "app=web,!env,tier in (api,front)"
    deployment["spec"]["selector"] = {"matchExpressions": [{"key": "a", "operator": "In"}]}
    del deployment["spec"]["replicas"]  # defaulted to 1
    cells = row("apps", "deployments", deployment)
    assert (cells[1], cells[7]) == ("0/1", "<invalid>")


# --- replicasets, daemonsets, statefulsets, controllerrevisions ---------------------------------


def test_replica_set_from_manifest() -> None:
    (replica_set,) = manifest("apps-replicaset-owned.yaml")
    assert headers("apps", "replicasets")[:5] == [
        ("Name", 0),
        ("Desired", 0),
        ("Current", 0),
        ("Ready", 0),
        ("Age", 0),
    ]
    # Created 10:06:58, 1h53m2s before NOW.
    assert row("apps", "replicasets", replica_set) == [
        "nginx-deployment-7b9f5c6d4",
        3,
        2,
        2,
        "113m",
        "nginx",
        "nginx:1.16.1",
        "app=nginx,pod-template-hash=7b9f5c6d4",
    ]


def test_daemon_sets_from_manifest() -> None:
    fluentd, proxy = manifest("apps-daemonsets.yaml")
    assert [name for name, _ in headers("apps", "daemonsets")] == [
        "Name",
        "Desired",
        "Current",
        "Ready",
        "Up-to-date",
        "Available",
        "Node Selector",
        "Age",
        "Containers",
        "Images",
        "Selector",
    ]
    assert row("apps", "daemonsets", proxy) == [
        "kube-proxy",
        3,
        3,
        2,
        3,
        2,
        "kubernetes.io/os=linux",
        "3h",
        "kube-proxy",
        "registry.k8s.io/kube-proxy:v1.32.0",
        "k8s-app=kube-proxy",
    ]
    assert row("apps", "daemonsets", fluentd)[1:8] == [0, 0, 0, 0, 0, "<none>", "<unknown>"]


def test_stateful_set_from_manifest() -> None:
    (web,) = manifest("apps-statefulset-web.yaml")
    assert headers("apps", "statefulsets") == [
        ("Name", 0),
        ("Ready", 0),
        ("Age", 0),
        ("Containers", 1),
        ("Images", 1),
    ]
    assert row("apps", "statefulsets", web) == [
        "web",
        "3/3",
        "<unknown>",
        "nginx",
        "registry.k8s.io/nginx-slim:0.24",
    ]


def test_controller_revisions() -> None:
    (revision,) = manifest("apps-controllerrevision.yaml")
    assert row("apps", "controllerrevisions", revision) == [
        "fluentd-elasticsearch-5c8f6d9b7",
        "daemonset.apps/fluentd-elasticsearch",
        1,
        "3h",
    ]
    core_owned = copy.deepcopy(revision)
    core_owned["metadata"]["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "Pod", "name": "p", "controller": True}
    ]
    assert row("apps", "controllerrevisions", core_owned)[1] == "pod/p"
    core_owned["metadata"]["ownerReferences"][0]["controller"] = False
    assert row("apps", "controllerrevisions", core_owned)[1] == "<none>"


# --- jobs ---------------------------------------------------------------------------------------


def test_jobs_from_manifests() -> None:
    submitted, finished = manifest("batch-job-pi.yaml")
    assert headers("batch", "jobs") == [
        ("Name", 0),
        ("Status", 0),
        ("Completions", 0),
        ("Duration", 0),
        ("Age", 0),
        ("Containers", 1),
        ("Images", 1),
        ("Selector", 1),
    ]
    assert row("batch", "jobs", finished) == [
        "pi",
        "Complete",
        "1/1",
        "47s",
        "60m",
        "pi",
        "perl:5.34.0",
        "batch.kubernetes.io/controller-uid=59ca567a-ed5b-405f-8b41-975013f02fe8",
    ]
    # As submitted (not yet defaulted): completions and parallelism both become 1.
    assert row("batch", "jobs", submitted)[1:5] == ["Running", "0/1", "", "<unknown>"]
    failure_policy, success_policy = manifest("batch-job-policies.yaml")
    assert row("batch", "jobs", failure_policy)[2] == "0/12"
    # Started at NOW, one index succeeded so far.
    assert row("batch", "jobs", success_policy)[1:4] == ["Running", "1/10", "0s"]


def job(conditions: Sequence[tuple[str, str]] = (), **status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "j"},
        "spec": {"parallelism": 1, "completions": 1},
        "status": {
            "conditions": [{"type": kind, "status": value} for kind, value in conditions],
            **status,
        },
    }


@pytest.mark.parametrize(
    ("conditions", "deleting", "status"),
    [
        ([("Complete", "True")], True, "Complete"),
        ([("Failed", "True")], False, "Failed"),
        ([("Failed", "False")], True, "Terminating"),
        ([("Suspended", "True")], False, "Suspended"),
        ([("FailureTarget", "True")], False, "FailureTarget"),
        ([("Suspended", "False")], False, "Running"),
        ([], False, "Running"),
    ],
)
def test_job_status_precedence(
    conditions: list[tuple[str, str]], deleting: bool, status: str
) -> None:
    obj = job(conditions)
    if deleting:
        obj["metadata"]["deletionTimestamp"] = "2024-11-20T11:59:00Z"
    assert row("batch", "jobs", obj)[1] == status


def test_job_completions_and_running_duration() -> None:
    obj = job(startTime="2024-11-20T11:58:00Z", succeeded=2)
    obj["spec"] = {"parallelism": 3}
    assert row("batch", "jobs", obj)[2:4] == ["2/1 of 3", "2m"]
    obj["spec"] = {"parallelism": 1}
    assert row("batch", "jobs", obj)[2] == "2/1"


# --- cronjobs -----------------------------------------------------------------------------------


def test_cron_jobs_from_manifest() -> None:
    hello, backup = manifest("batch-cronjob.yaml")
    assert [name for name, _ in headers("batch", "cronjobs")] == [
        "Name",
        "Schedule",
        "Timezone",
        "Suspend",
        "Active",
        "Last Schedule",
        "Age",
        "Containers",
        "Images",
        "Selector",
    ]
    assert row("batch", "cronjobs", hello) == [
        "hello",
        "* * * * *",
        "<none>",
        "False",  # suspend defaults to false
        0,
        "<none>",
        "<unknown>",
        "hello",
        "busybox:1.28",
        "<none>",
    ]
    just_after = datetime(2024, 11, 21, 1, 32, 30, tzinfo=UTC)
    assert row("batch", "cronjobs", backup, just_after) == [
        "db-backup",
        "30 2 * * *",
        "Europe/Berlin",
        "False",
        1,
        "2m30s",
        "<unknown>",
        "backup",
        "postgres:17",
        "<none>",
    ]
