"""core/v1 pods and podtemplates, with kube-apiserver's STATUS, READY and RESTARTS rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from microkube_apiserver.tables.duration import parse_time, since
from microkube_apiserver.tables.fmt import NONE, dig, format_labels, layout_containers
from microkube_apiserver.tables.printer import AGE, NAME, Column, Printer

__all__ = ["POD", "POD_TEMPLATE", "pod_row", "pod_status"]

_COLUMNS = (
    NAME,
    Column("Ready", description="The aggregate readiness state of this pod for accepting traffic."),
    Column("Status", description="The aggregate status of the containers in this pod."),
    Column(
        "Restarts",
        description="The number of times the containers in this pod have been restarted and "
        "when the last container in this pod has restarted.",
    ),
    AGE,
    Column(
        "IP",
        priority=1,
        description="podIP address allocated to the pod. Routable at least within the cluster. "
        "Empty if not yet allocated.",
    ),
    Column(
        "Node",
        priority=1,
        description="NodeName is a request to schedule this pod onto a specific node. If it is "
        "non-empty, the scheduler simply schedules this pod onto that node, assuming that it "
        "fits resource requirements.",
    ),
    Column(
        "Nominated Node",
        priority=1,
        description="nominatedNodeName is set only when this pod preempts other pods on the "
        "node, but it cannot be scheduled right away as preemption victims receive their "
        "graceful termination periods.",
    ),
    Column(
        "Readiness Gates",
        priority=1,
        description="If specified, all readiness gates will be evaluated for pod readiness.",
    ),
)

_SUCCEEDED = [
    {
        "type": "Completed",
        "status": "True",
        "reason": "Succeeded",
        "message": "The pod has completed successfully.",
    }
]
_FAILED = [
    {"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}
]

# The kubelet's reason for pods on a node that stopped reporting (node.NodeUnreachablePodReason).
_NODE_LOST = "NodeLost"


def _later(current: datetime | None, status: Mapping[str, Any]) -> datetime | None:
    """The later of ``current`` and the container's last termination (``finishedAt``)."""
    finished = parse_time(dig(status, "lastState", "terminated", "finishedAt"))
    if finished is not None and (current is None or current < finished):
        return finished
    return current


def _condition_true(conditions: list[Any], kind: str) -> bool:
    """Whether the first condition of type ``kind`` is True (``isPodInitializedConditionTrue``)."""
    for condition in conditions:
        if condition.get("type") == kind:
            return condition.get("status") == "True"
    return False


def _terminated_text(terminated: Mapping[str, Any], prefix: str) -> str:
    if terminated.get("reason"):
        return prefix + terminated["reason"]
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode') or 0}"


def pod_status(pod: Mapping[str, Any]) -> tuple[int, int, str, int, datetime | None]:
    """``(ready, total, STATUS, restarts, last restart)`` as kube-apiserver's printPod computes."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    conditions = status.get("conditions") or []
    init_specs = spec.get("initContainers") or []
    sidecars = {c.get("name") for c in init_specs if c.get("restartPolicy") == "Always"}
    total = len(spec.get("containers") or []) + sum(
        1 for c in init_specs if c.get("restartPolicy") == "Always"
    )
    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    for condition in conditions:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    ready = restarts = sidecar_restarts = 0
    last_restart: datetime | None = None
    sidecar_last: datetime | None = None
    initializing = False
    for index, container in enumerate(status.get("initContainerStatuses") or []):
        count = container.get("restartCount") or 0
        restarts += count
        last_restart = _later(last_restart, container)
        sidecar = container.get("name") in sidecars
        if sidecar:
            sidecar_restarts += count
            sidecar_last = _later(sidecar_last, container)
        state = container.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and (terminated.get("exitCode") or 0) == 0:
            continue
        if sidecar and container.get("started"):
            if container.get("ready"):
                ready += 1
            continue
        if terminated is not None:
            reason = _terminated_text(terminated, "Init:")
        elif waiting is not None and waiting.get("reason") not in (None, "", "PodInitializing"):
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _condition_true(conditions, "Initialized"):
        restarts, last_restart = sidecar_restarts, sidecar_last
        has_running = False
        for container in reversed(status.get("containerStatuses") or []):
            restarts += container.get("restartCount") or 0
            last_restart = _later(last_restart, container)
            state = container.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None:
                reason = _terminated_text(terminated, "")
            elif container.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        # A container still running turns "Completed" back into Running (or NotReady).
        if reason == "Completed" and has_running:
            ready_condition = any(
                c.get("type") == "Ready" and c.get("status") == "True" for c in conditions
            )
            reason = "Running" if ready_condition else "NotReady"

    deleting = dig(pod, "metadata", "deletionTimestamp") is not None
    if deleting and status.get("reason") == _NODE_LOST:
        reason = "Unknown"
    elif deleting and phase not in ("Failed", "Succeeded"):
        reason = "Terminating"
    return ready, total, reason, restarts, last_restart


def _readiness_gates(spec: Mapping[str, Any], status: Mapping[str, Any]) -> str:
    gates = spec.get("readinessGates") or []
    if not gates:
        return NONE
    conditions = status.get("conditions") or []
    passed = 0
    for gate in gates:
        for condition in conditions:
            if condition.get("type") == gate.get("conditionType"):
                passed += condition.get("status") == "True"
                break
    return f"{passed}/{len(gates)}"


def pod_row(pod: Mapping[str, Any], now: datetime) -> list[Any]:
    """The nine cells of a pod row (five, then the four wide ones)."""
    ready, total, reason, restarts, last_restart = pod_status(pod)
    restarts_text = str(restarts)
    if restarts and last_restart is not None:
        restarts_text = f"{restarts} ({since(last_restart, now)} ago)"
    metadata = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    pod_ip = _first_ip(status)
    return [
        metadata.get("name") or "",
        f"{ready}/{total}",
        reason,
        restarts_text,
        since(metadata.get("creationTimestamp"), now),
        pod_ip or NONE,
        spec.get("nodeName") or NONE,
        status.get("nominatedNodeName") or NONE,
        _readiness_gates(spec, status),
    ]


def _first_ip(status: Mapping[str, Any]) -> str:
    """The internal ``PodIPs[0]``: v1 -> internal conversion lets ``podIP`` win over ``podIPs``."""
    if status.get("podIP"):
        return str(status["podIP"])
    ips = status.get("podIPs") or []
    return str(ips[0].get("ip") or "") if ips else ""


def _pod_conditions(pod: Mapping[str, Any]) -> list[dict[str, str]]:
    phase = dig(pod, "status", "phase")
    if phase == "Succeeded":
        return _SUCCEEDED
    if phase == "Failed":
        return _FAILED
    return []


POD = Printer(_COLUMNS, pod_row, _pod_conditions)


def _template_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    template = obj.get("template") or {}
    names, images = layout_containers(dig(template, "spec", "containers"))
    labels = dig(template, "metadata", "labels")
    return [dig(obj, "metadata", "name") or "", names, images, format_labels(labels)]


POD_TEMPLATE = Printer(
    (
        NAME,
        Column("Containers", description="Names of each container in the template."),
        Column("Images", description="Images referenced by each container in the template."),
        Column("Pod Labels", description="The labels for the pod template."),
    ),
    _template_row,
)
