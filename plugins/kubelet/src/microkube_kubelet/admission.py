"""Pod admission on the node, as upstream's ``lifecycle.PredicateAdmitHandler``: a pod bound
to this node that does not fit (pods, CPU or memory requests against allocatable) is rejected
— phase Failed with reason ``OutOfpods``/``OutOfcpu``/``OutOfmemory`` — instead of being run.
Pods the node already runs are never re-judged (a restarted kubelet admits what it adopts).
Node affinity is left to the scheduler: the kubelet does not watch its Node's labels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from microkube.api.quantity import Quantity

__all__ = ["Rejection", "admit", "pod_requests"]


@attrs.frozen
class Rejection:
    reason: str
    message: str


def _container_requests(container: Mapping[str, Any]) -> tuple[int, int]:
    requests = (container.get("resources") or {}).get("requests") or {}
    cpu = Quantity(str(requests["cpu"])).milli_value() if "cpu" in requests else 0
    memory = Quantity(str(requests["memory"])).value() if "memory" in requests else 0
    return cpu, memory


def pod_requests(pod: Mapping[str, Any]) -> tuple[int, int]:
    """(CPU millicores, memory bytes) the pod requests: the app containers' sum (plus
    sidecars), or the largest init container if that is more, as upstream computes it."""
    spec = pod.get("spec") or {}
    cpu = memory = 0
    for container in spec.get("containers") or ():
        c, m = _container_requests(container)
        cpu, memory = cpu + c, memory + m
    init_cpu = init_memory = 0
    for container in spec.get("initContainers") or ():
        c, m = _container_requests(container)
        if container.get("restartPolicy") == "Always":
            cpu, memory = cpu + c, memory + m
        else:
            init_cpu, init_memory = max(init_cpu, c), max(init_memory, m)
    return max(cpu, init_cpu), max(memory, init_memory)


def admit(
    pod: Mapping[str, Any], running: Iterable[Mapping[str, Any]], allocatable: Mapping[str, str]
) -> Rejection | None:
    """None if ``pod`` may run next to ``running`` (the node's admitted, unfinished pods)."""
    others = list(running)
    capacity_pods = int(allocatable.get("pods", "110"))
    if len(others) + 1 > capacity_pods:
        return _short("pods", 1, len(others), capacity_pods)
    cpu, memory = pod_requests(pod)
    used_cpu = sum(pod_requests(p)[0] for p in others)
    used_memory = sum(pod_requests(p)[1] for p in others)
    capacity_cpu = Quantity(str(allocatable.get("cpu", "0"))).milli_value()
    capacity_memory = Quantity(str(allocatable.get("memory", "0"))).value()
    if cpu and used_cpu + cpu > capacity_cpu:
        return _short("cpu", cpu, used_cpu, capacity_cpu)
    if memory and used_memory + memory > capacity_memory:
        return _short("memory", memory, used_memory, capacity_memory)
    return None


def _short(resource: str, requested: int, used: int, capacity: int) -> Rejection:
    return Rejection(
        f"OutOf{resource}",
        f"Pod was rejected: Node didn't have enough resource: {resource}, requested: "
        f"{requested}, used: {used}, capacity: {capacity}",
    )
