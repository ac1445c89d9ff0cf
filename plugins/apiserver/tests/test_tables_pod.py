"""Pod rows: READY, STATUS and RESTARTS as kube-apiserver's printPod derives them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from microkube_apiserver.tables import printer_for
from microkube_apiserver.tables.printers_pod import POD, POD_TEMPLATE

MANIFESTS = Path(__file__).resolve().parents[3] / "tests" / "manifests"
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def manifest(name: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((MANIFESTS / name).read_text()) if doc]


def running(ready: bool = True, restarts: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "name": extra.pop("name", "app"),
        "ready": ready,
        "restartCount": restarts,
        "started": True,
        "state": {"running": {"startedAt": "2024-05-01T11:00:00Z"}},
        **extra,
    }


def pod(
    containers: int = 1,
    *,
    phase: str = "Running",
    statuses: list[dict[str, Any]] | None = None,
    init: list[dict[str, Any]] | None = None,
    init_statuses: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    **status: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": [{"name": f"c{i}", "image": "busybox"} for i in range(containers)],
        "nodeName": "node-1",
    }
    if init is not None:
        spec["initContainers"] = init
    body: dict[str, Any] = {"phase": phase, **status}
    if statuses is not None:
        body["containerStatuses"] = statuses
    if init_statuses is not None:
        body["initContainerStatuses"] = init_statuses
    if conditions is not None:
        body["conditions"] = conditions
    return {
        "metadata": {
            "name": "p",
            "namespace": "default",
            "creationTimestamp": "2024-05-01T11:59:15Z",
        },
        "spec": spec,
        "status": body,
    }


def cells(obj: dict[str, Any]) -> list[Any]:
    return POD.row(obj, NOW)


def summary(obj: dict[str, Any]) -> tuple[str, str, str]:
    """READY, STATUS and RESTARTS."""
    row = cells(obj)
    return row[1], row[2], row[3]


def terminated(reason: str = "", exit_code: int = 0, **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"exitCode": exit_code, **extra}
    if reason:
        state["reason"] = reason
    return {"terminated": state}


def test_columns_are_kube_apiservers() -> None:
    names = [(c.name, c.type, c.format, c.priority) for c in POD.columns]
    assert names == [
        ("Name", "string", "name", 0),
        ("Ready", "string", "", 0),
        ("Status", "string", "", 0),
        ("Restarts", "string", "", 0),
        ("Age", "string", "", 0),
        ("IP", "string", "", 1),
        ("Node", "string", "", 1),
        ("Nominated Node", "string", "", 1),
        ("Readiness Gates", "string", "", 1),
    ]
    assert printer_for("", "pods") is POD


def test_manifest_pod_with_a_crashlooping_sidecar() -> None:
    (obj,) = manifest("core-pod-status.yaml")
    # nginx runs and is ready; sidecar waits in CrashLoopBackOff, restarted twice, last
    # terminated at 10:00:30 (1h59m30s before NOW: "119m"); created at 10:00:00 ("120m").
    assert cells(obj) == [
        "nginx-deployment-7c79c4bf97-abcde",
        "1/2",
        "CrashLoopBackOff",
        "2 (119m ago)",
        "120m",
        "10.244.0.7",
        "node-1",
        "<none>",
        "<none>",
    ]


CASES = {
    "running": (pod(statuses=[running()]), ("1/1", "Running", "0")),
    "container-creating": (
        pod(
            phase="Pending",
            statuses=[
                {
                    "name": "c0",
                    "ready": False,
                    "restartCount": 0,
                    "state": {"waiting": {"reason": "ContainerCreating"}},
                }
            ],
        ),
        ("0/1", "ContainerCreating", "0"),
    ),
    "pending-unscheduled": (pod(2, phase="Pending"), ("0/2", "Pending", "0")),
    "completed": (
        pod(phase="Succeeded", statuses=[{"ready": False, "state": terminated("Completed")}]),
        ("0/1", "Completed", "0"),
    ),
    "oom-killed": (
        pod(
            statuses=[
                {
                    "ready": False,
                    "restartCount": 1,
                    "state": terminated("OOMKilled", 137),
                    "lastState": terminated("OOMKilled", 137, finishedAt="2024-05-01T11:56:50Z"),
                }
            ]
        ),
        ("0/1", "OOMKilled", "1 (3m10s ago)"),
    ),
    "terminated-without-reason-exit-code": (
        pod(statuses=[{"state": terminated(exit_code=3)}]),
        ("0/1", "ExitCode:3", "0"),
    ),
    "terminated-without-reason-signal": (
        pod(statuses=[{"state": terminated(exit_code=137, signal=9)}]),
        ("0/1", "Signal:9", "0"),
    ),
    "init-running-first-of-two": (
        pod(
            phase="Pending",
            init=[{"name": "i1"}, {"name": "i2"}],
            init_statuses=[running(False, name="i1"), {"name": "i2", "state": {"waiting": {}}}],
            statuses=[{"name": "c0", "state": {"waiting": {"reason": "PodInitializing"}}}],
        ),
        ("0/1", "Init:0/2", "0"),
    ),
    "init-second-of-two": (
        pod(
            phase="Pending",
            init=[{"name": "i1"}, {"name": "i2"}],
            init_statuses=[
                {"name": "i1", "state": terminated("Completed")},
                running(False, name="i2"),
            ],
        ),
        ("0/1", "Init:1/2", "0"),
    ),
    "init-waiting-pod-initializing-counts-as-progress": (
        pod(
            phase="Pending",
            init=[{"name": "i1"}],
            init_statuses=[{"name": "i1", "state": {"waiting": {"reason": "PodInitializing"}}}],
        ),
        ("0/1", "Init:0/1", "0"),
    ),
    "init-error": (
        pod(
            phase="Pending",
            init=[{"name": "i1"}, {"name": "i2"}],
            init_statuses=[{"name": "i1", "state": terminated("Error", 1)}],
        ),
        ("0/1", "Init:Error", "0"),
    ),
    "init-crash-loop": (
        pod(
            phase="Pending",
            init=[{"name": "i1"}],
            init_statuses=[
                {
                    "name": "i1",
                    "restartCount": 3,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": terminated("Error", 1, finishedAt="2024-05-01T11:55:00Z"),
                }
            ],
            statuses=[{"name": "c0", "restartCount": 0, "state": {"waiting": {}}}],
        ),
        ("0/1", "Init:CrashLoopBackOff", "3 (5m ago)"),
    ),
    "init-exit-code": (
        pod(
            phase="Pending",
            init=[{"name": "i1"}],
            init_statuses=[{"name": "i1", "state": terminated(exit_code=2)}],
        ),
        ("0/1", "Init:ExitCode:2", "0"),
    ),
    "init-signal": (
        pod(
            phase="Pending",
            init=[{"name": "i1"}],
            init_statuses=[{"name": "i1", "state": terminated(exit_code=137, signal=9)}],
        ),
        ("0/1", "Init:Signal:9", "0"),
    ),
    "terminating": (
        {**pod(statuses=[running()]), "metadata": {"name": "p", "deletionTimestamp": "x"}},
        ("1/1", "Terminating", "0"),
    ),
    "node-lost": (
        {
            **pod(reason="NodeLost", statuses=[running()]),
            "metadata": {"name": "p", "deletionTimestamp": "2024-05-01T11:00:00Z"},
        },
        ("1/1", "Unknown", "0"),
    ),
    "evicted": (pod(phase="Failed", reason="Evicted"), ("0/1", "Evicted", "0")),
    "scheduling-gated": (
        pod(
            phase="Pending",
            conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}],
        ),
        ("0/1", "SchedulingGated", "0"),
    ),
    "completed-with-one-still-running-and-ready": (
        pod(
            2,
            statuses=[running(name="c0"), {"name": "c1", "state": terminated("Completed")}],
            conditions=[{"type": "Ready", "status": "True"}],
        ),
        ("1/2", "Running", "0"),
    ),
    "completed-with-one-still-running-not-ready": (
        pod(
            2,
            statuses=[running(name="c0"), {"name": "c1", "state": terminated("Completed")}],
            conditions=[{"type": "Ready", "status": "False"}],
        ),
        ("1/2", "NotReady", "0"),
    ),
    "sidecar-started-and-ready": (
        pod(
            init=[{"name": "proxy", "restartPolicy": "Always"}],
            init_statuses=[running(name="proxy", restarts=1)],
            statuses=[running(name="c0", restarts=2)],
            conditions=[{"type": "Initialized", "status": "True"}],
        ),
        ("2/2", "Running", "3"),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_pod_status(case: str) -> None:
    obj, expected = CASES[case]
    assert summary(obj) == expected


def test_terminal_phase_is_not_terminating() -> None:
    obj = pod(phase="Succeeded", statuses=[{"state": terminated("Completed")}])
    obj["metadata"]["deletionTimestamp"] = "2024-05-01T11:59:00Z"
    assert summary(obj)[1] == "Completed"


def test_restarts_show_the_latest_termination_across_containers() -> None:
    obj = pod(
        2,
        statuses=[
            running(
                name="c0",
                restarts=4,
                lastState=terminated("Error", 1, finishedAt="2024-05-01T09:00:00Z"),
            ),
            running(
                name="c1",
                restarts=1,
                lastState=terminated("Error", 1, finishedAt="2024-05-01T11:59:30Z"),
            ),
        ],
    )
    assert summary(obj) == ("2/2", "Running", "5 (30s ago)")


def test_restarts_without_a_termination_time_have_no_suffix() -> None:
    assert summary(pod(statuses=[running(restarts=7)]))[2] == "7"


def test_wide_cells_ip_node_nominated_and_readiness_gates() -> None:
    obj = pod(
        statuses=[running()],
        podIPs=[{"ip": "fd00::5"}, {"ip": "10.0.0.5"}],
        nominatedNodeName="node-9",
        conditions=[
            {"type": "example.com/lb", "status": "True"},
            {"type": "example.com/dns", "status": "False"},
        ],
    )
    obj["spec"]["readinessGates"] = [
        {"conditionType": "example.com/lb"},
        {"conditionType": "example.com/dns"},
    ]
    assert cells(obj)[4:] == ["45s", "fd00::5", "node-1", "node-9", "1/2"]
    del obj["spec"]["nodeName"]
    obj["status"] = {"phase": "Pending"}
    assert cells(obj)[5:] == ["<none>", "<none>", "<none>", "0/2"]


def test_completed_and_failed_pods_carry_row_conditions() -> None:
    assert POD.conditions is not None
    assert POD.conditions(pod(phase="Succeeded")) == [
        {
            "type": "Completed",
            "status": "True",
            "reason": "Succeeded",
            "message": "The pod has completed successfully.",
        }
    ]
    assert POD.conditions(pod(phase="Failed"))[0]["reason"] == "Failed"
    assert POD.conditions(pod()) == []


def test_pod_template() -> None:
    template = {
        "metadata": {"name": "tmpl"},
        "template": {
            "metadata": {"labels": {"tier": "web", "app": "shop"}},
            "spec": {"containers": [{"name": "a", "image": "i:1"}, {"name": "b", "image": "i:2"}]},
        },
    }
    assert POD_TEMPLATE.row(template, NOW) == ["tmpl", "a,b", "i:1,i:2", "app=shop,tier=web"]
    assert [c.name for c in POD_TEMPLATE.columns] == ["Name", "Containers", "Images", "Pod Labels"]
