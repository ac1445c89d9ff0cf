"""Pod status generation (pure): phases, conditions, container statuses."""

from __future__ import annotations

from microkube_kubelet.pod_status import ContainerView, container_status, pod_phase, pod_status

from microkube.contracts.runtime import ContainerState, ContainerStatus


def _status(
    name: str, state: ContainerState, *, exit_code: int = 0, attempt: int = 0, reason: str = ""
) -> ContainerStatus:
    return ContainerStatus(
        id=f"{name}-{attempt}",
        sandbox_id="s",
        name=name,
        state=state,
        image="busybox",
        image_ref="sha256:abc",
        attempt=attempt,
        exit_code=exit_code,
        reason=reason,
        created_at_ns=1_700_000_000_000_000_000,
        started_at_ns=1_700_000_001_000_000_000,
        finished_at_ns=1_700_000_002_000_000_000 if state is ContainerState.EXITED else 0,
    )


def _spec(policy: str = "Always", init: bool = False) -> dict:  # type: ignore[type-arg]
    spec = {"restartPolicy": policy, "containers": [{"name": "c", "image": "busybox"}]}
    if init:
        spec["initContainers"] = [{"name": "i", "image": "busybox"}]
    return spec


def _entry(view: ContainerView) -> dict:  # type: ignore[type-arg]
    return container_status(view, "fake", "ContainerCreating")


def test_running_container_status_has_everything_the_python_client_requires():
    view = ContainerView(
        name="c",
        image="busybox",
        current=_status("c", ContainerState.RUNNING, attempt=2),
        previous=_status("c", ContainerState.EXITED, exit_code=1, attempt=1),
        ready=True,
        started=True,
    )
    entry = _entry(view)
    assert entry["name"] == "c" and entry["image"] == "busybox" and entry["imageID"] == "sha256:abc"
    assert entry["containerID"] == "fake://c-2"
    assert entry["restartCount"] == 2 and entry["ready"] is True and entry["started"] is True
    assert entry["state"] == {"running": {"startedAt": "2023-11-14T22:13:21Z"}}
    last = entry["lastState"]["terminated"]
    assert (
        last["exitCode"] == 1 and last["reason"] == "Error" and last["containerID"] == "fake://c-1"
    )
    assert last["finishedAt"] == "2023-11-14T22:13:22Z"


def test_waiting_override_moves_the_exited_attempt_to_last_state():
    view = ContainerView(
        name="c",
        image="busybox",
        current=_status("c", ContainerState.EXITED, exit_code=1, attempt=1),
        waiting=("CrashLoopBackOff", "back-off 10s restarting failed container=c pod=p_d(u)"),
    )
    entry = _entry(view)
    assert entry["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert entry["lastState"]["terminated"]["exitCode"] == 1
    assert entry["restartCount"] == 1
    assert "containerID" in entry


def test_not_yet_created_container_is_waiting():
    entry = _entry(ContainerView(name="c", image="busybox"))
    assert entry["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert entry["imageID"] == "" and "containerID" not in entry and entry["lastState"] == {}


def test_phases_follow_upstream_get_phase():
    running = [
        _entry(ContainerView(name="c", image="b", current=_status("c", ContainerState.RUNNING)))
    ]
    done_ok = [
        _entry(ContainerView(name="c", image="b", current=_status("c", ContainerState.EXITED)))
    ]
    done_bad = [
        _entry(
            ContainerView(
                name="c", image="b", current=_status("c", ContainerState.EXITED, exit_code=2)
            )
        )
    ]
    waiting = [_entry(ContainerView(name="c", image="b"))]
    assert pod_phase(_spec(), [], waiting) == "Pending"
    assert pod_phase(_spec(), [], running) == "Running"
    assert pod_phase(_spec("Always"), [], done_bad) == "Running"
    assert pod_phase(_spec("OnFailure"), [], done_ok) == "Succeeded"
    assert pod_phase(_spec("OnFailure"), [], done_bad) == "Running"
    assert pod_phase(_spec("Never"), [], done_bad) == "Failed"
    assert pod_phase(_spec("Always"), [], done_bad, terminal=True) == "Failed"
    assert pod_phase(_spec("Always"), [], done_ok, terminal=True) == "Succeeded"
    init_failed = [
        _entry(
            ContainerView(
                name="i", image="b", current=_status("i", ContainerState.EXITED, exit_code=1)
            )
        )
    ]
    assert pod_phase(_spec("Never", init=True), init_failed, waiting) == "Failed"
    init_running = [
        _entry(ContainerView(name="i", image="b", current=_status("i", ContainerState.RUNNING)))
    ]
    assert pod_phase(_spec("Always", init=True), init_running, waiting) == "Pending"


def test_conditions_keep_transition_times_and_foreign_conditions():
    pod = {
        "spec": _spec(),
        "status": {
            "qosClass": "BestEffort",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "True",
                    "lastTransitionTime": "2020-01-01T00:00:00Z",
                },
                {"type": "DisruptionTarget", "status": "True", "reason": "EvictionByEvictionAPI"},
            ],
        },
    }
    views = [
        ContainerView(
            name="c",
            image="b",
            current=_status("c", ContainerState.RUNNING),
            ready=True,
            started=True,
        )
    ]
    status = pod_status(
        pod,
        init_views=[],
        views=views,
        runtime="fake",
        sandbox_ready=True,
        pod_ip="10.0.0.5",
        host_ip="10.0.0.1",
        start_time="2020-01-01T00:00:00Z",
        now=1_700_000_000,
    )
    by_type = {c["type"]: c for c in status["conditions"]}
    assert by_type["DisruptionTarget"]["reason"] == "EvictionByEvictionAPI"
    assert by_type["PodScheduled"]["lastTransitionTime"] == "2020-01-01T00:00:00Z"
    assert by_type["Ready"]["status"] == "True"
    assert status["phase"] == "Running" and status["qosClass"] == "BestEffort"
    assert status["podIPs"] == [{"ip": "10.0.0.5"}] and status["hostIPs"] == [{"ip": "10.0.0.1"}]
    later = pod_status(
        pod,
        init_views=[],
        views=views,
        runtime="fake",
        sandbox_ready=True,
        pod_ip="10.0.0.5",
        host_ip="10.0.0.1",
        start_time="2020-01-01T00:00:00Z",
        previous=status,
        now=1_800_000_000,
    )
    assert later == status  # nothing changed: identical, so it is not written again
    unready = [ContainerView(name="c", image="b", current=_status("c", ContainerState.RUNNING))]
    flipped = pod_status(
        pod,
        init_views=[],
        views=unready,
        runtime="fake",
        sandbox_ready=True,
        pod_ip="10.0.0.5",
        host_ip="10.0.0.1",
        start_time="2020-01-01T00:00:00Z",
        previous=status,
        now=1_800_000_000,
    )
    ready = {c["type"]: c for c in flipped["conditions"]}["Ready"]
    assert ready["status"] == "False" and ready["reason"] == "ContainersNotReady"
    assert ready["message"] == "containers with unready status: [c]"
    assert ready["lastTransitionTime"] == "2027-01-15T08:00:00Z"


def test_readiness_gates_hold_ready_back():
    pod = {
        "spec": {**_spec(), "readinessGates": [{"conditionType": "example.com/lb"}]},
        "status": {},
    }
    views = [
        ContainerView(
            name="c",
            image="b",
            current=_status("c", ContainerState.RUNNING),
            ready=True,
            started=True,
        )
    ]
    status = pod_status(
        pod,
        init_views=[],
        views=views,
        runtime="fake",
        sandbox_ready=True,
        pod_ip="",
        host_ip="h",
        start_time="t",
    )
    ready = {c["type"]: c for c in status["conditions"]}["Ready"]
    assert ready["status"] == "False" and ready["reason"] == "ReadinessGatesNotReady"
    assert status["podIP"] is None
