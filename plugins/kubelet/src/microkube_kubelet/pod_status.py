"""A pod's status from what the runtime reports (pure functions), as upstream's
``generateAPIPodStatus``, ``getPhase`` and ``status/generate.go``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from microkube.contracts.runtime import ContainerState, ContainerStatus
from microkube_kubelet.podutil import is_sidecar
from microkube_kubelet.timeutil import rfc3339, rfc3339_ns

__all__ = [
    "KUBELET_CONDITIONS",
    "ContainerView",
    "container_status",
    "pod_phase",
    "pod_status",
]

#: Condition types the kubelet writes (PodScheduled True, as upstream's
#: ``generateAPIPodStatus``); others (DisruptionTarget, readiness gates) are kept.
KUBELET_CONDITIONS = (
    "PodReadyToStartContainers",
    "Initialized",
    "ContainersReady",
    "Ready",
    "PodScheduled",
)


@attrs.frozen(kw_only=True)
class ContainerView:
    """What the pod worker knows of one container: its latest and previous attempts, a
    waiting reason that overrides the state (``CrashLoopBackOff``, ``ErrImagePull``, ...),
    and its probe results."""

    name: str
    image: str
    current: ContainerStatus | None = None
    previous: ContainerStatus | None = None
    waiting: tuple[str, str] | None = None
    ready: bool = False
    started: bool = False


def _terminated(status: ContainerStatus, runtime: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "exitCode": status.exit_code,
        "reason": status.reason or ("Completed" if status.exit_code == 0 else "Error"),
        "startedAt": rfc3339_ns(status.started_at_ns) if status.started_at_ns else None,
        "finishedAt": rfc3339_ns(status.finished_at_ns) if status.finished_at_ns else None,
        "containerID": f"{runtime}://{status.id}",
    }
    if status.message:
        body["message"] = status.message
    return {"terminated": body}


def _exited(status: ContainerStatus | None) -> bool:
    return status is not None and status.state in (ContainerState.EXITED, ContainerState.UNKNOWN)


def container_status(view: ContainerView, runtime: str, default_waiting: str) -> dict[str, Any]:
    """One entry of ``containerStatuses``/``initContainerStatuses``."""
    current = view.current
    out: dict[str, Any] = {
        "name": view.name,
        "image": view.image,
        "imageID": current.image_ref if current else "",
        "ready": view.ready,
        "restartCount": current.attempt if current else 0,
        "started": view.started,
    }
    if current is not None:
        out["containerID"] = f"{runtime}://{current.id}"
    last: dict[str, Any] = _terminated(view.previous, runtime) if _exited(view.previous) else {}
    if view.waiting is not None:
        reason, message = view.waiting
        waiting = {"reason": reason, **({"message": message} if message else {})}
        state: dict[str, Any] = {"waiting": waiting}
        if _exited(current):
            last = _terminated(current, runtime)  # type: ignore[arg-type]
    elif current is None or current.state is ContainerState.CREATED:
        state = {"waiting": {"reason": default_waiting}}
    elif current.state is ContainerState.RUNNING:
        state = {
            "running": {"startedAt": rfc3339_ns(current.started_at_ns or current.created_at_ns)}
        }
    else:
        state = _terminated(current, runtime)
        if current.state is ContainerState.UNKNOWN:
            state["terminated"].update(
                exitCode=137,
                reason="ContainerStatusUnknown",
                message="The container could not be located when the pod was terminated",
            )
    out["state"] = state
    out["lastState"] = last
    return out


def pod_phase(
    spec: Mapping[str, Any],
    init_statuses: Sequence[Mapping[str, Any]],
    statuses: Sequence[Mapping[str, Any]],
    *,
    terminal: bool = False,
) -> str:
    """Upstream's ``getPhase`` over the generated container statuses."""
    by_name = {s["name"]: s for s in [*init_statuses, *statuses]}
    pending_init = failed_init = 0
    running = waiting = 0
    for container in spec.get("initContainers") or ():
        status = by_name.get(container.get("name"))
        if status is None:
            pending_init += 1
            continue
        if is_sidecar(container):  # counted like upstream's restartable init containers
            state, last = status.get("state") or {}, status.get("lastState") or {}
            if "running" in state:
                running += 1
                pending_init += not status.get("started")
            elif "waiting" in state and "terminated" not in last:
                waiting += 1
                pending_init += 1
            continue
        state, last = status.get("state") or {}, status.get("lastState") or {}
        if "running" in state:
            pending_init += 1
        elif "terminated" in state:
            failed_init += state["terminated"].get("exitCode", 0) != 0
        elif "waiting" in state and "terminated" in last:
            failed_init += last["terminated"].get("exitCode", 0) != 0
        else:
            pending_init += 1
    unknown = stopped = succeeded = 0
    for container in spec.get("containers") or ():
        status = by_name.get(container.get("name"))
        if status is None:
            unknown += 1
            continue
        state, last = status.get("state") or {}, status.get("lastState") or {}
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            succeeded += state["terminated"].get("exitCode", 0) == 0
        elif "waiting" in state:
            if "terminated" in last:
                stopped += 1
            else:
                waiting += 1
        else:
            unknown += 1
    policy = spec.get("restartPolicy") or "Always"
    if failed_init and policy == "Never":
        return "Failed"
    any_started = any(
        (by_name.get(c.get("name")) or {}).get("state", {}).get("running")
        or (by_name.get(c.get("name")) or {}).get("state", {}).get("terminated")
        for c in spec.get("containers") or ()
    )
    if (pending_init and not any_started) or waiting:
        return "Pending"
    if running and not unknown:
        return "Running"
    if not running and stopped and not unknown:
        if terminal:
            return "Succeeded" if stopped == succeeded else "Failed"
        if policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        if policy == "Never":
            return "Failed"
        return "Running"
    return "Pending"


def _names(names: list[str]) -> str:
    return "[" + " ".join(names) + "]"


def _conditions(
    spec: Mapping[str, Any],
    phase: str,
    init_statuses: Sequence[Mapping[str, Any]],
    statuses: Sequence[Mapping[str, Any]],
    sandbox_ready: bool,
    kept: Sequence[Mapping[str, Any]],
) -> list[tuple[str, str, str, str]]:
    out: list[tuple[str, str, str, str]] = []
    out.append(("PodReadyToStartContainers", "True" if sandbox_ready else "False", "", ""))
    by_name = {s["name"]: s for s in init_statuses}
    incomplete = [
        c.get("name", "")
        for c in spec.get("initContainers") or ()
        if not (by_name.get(c.get("name")) or {}).get("started" if is_sidecar(c) else "ready")
    ]
    if not incomplete or phase == "Succeeded":
        reason = "PodCompleted" if phase == "Succeeded" and incomplete else ""
        out.append(("Initialized", "True", reason, ""))
    else:
        out.append(
            (
                "Initialized",
                "False",
                "ContainersNotInitialized",
                f"containers with incomplete status: {_names(incomplete)}",
            )
        )
    ready_by_name = {s["name"]: s.get("ready") for s in [*init_statuses, *statuses]}
    sidecars = [c for c in spec.get("initContainers") or () if is_sidecar(c)]
    unready = [
        c.get("name", "")
        for c in [*sidecars, *(spec.get("containers") or ())]
        if not ready_by_name.get(c.get("name"))
    ]
    if phase == "Succeeded":
        containers_ready = ("ContainersReady", "False", "PodCompleted", "")
    elif unready:
        containers_ready = (
            "ContainersReady",
            "False",
            "ContainersNotReady",
            f"containers with unready status: {_names(unready)}",
        )
    else:
        containers_ready = ("ContainersReady", "True", "", "")
    out.append(containers_ready)
    ready = ("Ready", *containers_ready[1:])
    if ready[1] == "True":
        present = {c.get("type"): c.get("status") for c in kept}
        missing = []
        for gate in spec.get("readinessGates") or ():
            kind = gate.get("conditionType", "")
            if kind not in present:
                missing.append(
                    f'corresponding condition of pod readiness gate "{kind}" does not exist.'
                )
            elif present[kind] != "True":
                missing.append(
                    f'the status of pod readiness gate "{kind}" is not "True", but {present[kind]}'
                )
        if missing:
            ready = ("Ready", "False", "ReadinessGatesNotReady", ", ".join(missing))
    out.append(ready)
    out.append(("PodScheduled", "True", "", ""))
    return out


def pod_status(
    pod: Mapping[str, Any],
    *,
    init_views: Sequence[ContainerView],
    views: Sequence[ContainerView],
    runtime: str,
    sandbox_ready: bool,
    pod_ip: str,
    host_ip: str,
    start_time: str,
    previous: Mapping[str, Any] | None = None,
    terminal: bool = False,
    failure: tuple[str, str] | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The ``status`` the kubelet writes. ``previous`` is the status it last wanted (for
    ``lastTransitionTime``s); conditions it does not own are kept from the pod's status.
    ``failure`` (reason, message) makes the pod Failed (e.g. ``DeadlineExceeded``)."""
    spec = pod.get("spec") or {}
    current = pod.get("status") or {}
    sidecars = {c.get("name") for c in spec.get("initContainers") or () if is_sidecar(c)}
    init_done = all(v.started if v.name in sidecars else v.ready for v in init_views)
    init_statuses = [container_status(v, runtime, "PodInitializing") for v in init_views]
    statuses = [
        container_status(v, runtime, "ContainerCreating" if init_done else "PodInitializing")
        for v in views
    ]
    phase = pod_phase(spec, init_statuses, statuses, terminal=terminal)
    if failure is not None:
        phase = "Failed"
    if current.get("phase") in ("Succeeded", "Failed"):
        phase = current["phase"]  # a terminal phase never changes
    kept = [c for c in current.get("conditions") or () if c.get("type") not in KUBELET_CONDITIONS]
    before = {c.get("type"): c for c in (previous or current).get("conditions") or ()}
    stamp = rfc3339(now)
    conditions: list[dict[str, Any]] = []
    for kind, status, reason, message in _conditions(
        spec, phase, init_statuses, statuses, sandbox_ready, kept
    ):
        old = before.get(kind) or {}
        condition: dict[str, Any] = {"type": kind, "status": status, "lastProbeTime": None}
        condition["lastTransitionTime"] = (
            old.get("lastTransitionTime")
            if old.get("status") == status and old.get("lastTransitionTime")
            else stamp
        )
        if reason:
            condition["reason"] = reason
        if message:
            condition["message"] = message
        conditions.append(condition)
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": [dict(c) for c in kept] + conditions,
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}] if host_ip else [],
        "podIP": pod_ip or None,
        "podIPs": [{"ip": pod_ip}] if pod_ip else None,
        "startTime": start_time,
        "containerStatuses": statuses,
    }
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    if failure is not None:
        status["reason"], status["message"] = failure
    for key in ("qosClass", "nominatedNodeName"):
        if current.get(key):
            status[key] = current[key]
    return status
