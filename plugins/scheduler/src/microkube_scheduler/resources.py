"""Resource arithmetic as kube-scheduler does it: a pod's effective requests and the
"non-zero" requests used for scoring.

Amounts are integers: ``cpu`` in millicores, every other resource in its base unit (bytes,
pods, devices). A pod's request is the larger of its containers' sum (plus sidecars) and any
init container's, plus the pod overhead — ``resource.PodRequests`` upstream.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

CPU = "cpu"
MEMORY = "memory"
EPHEMERAL_STORAGE = "ephemeral-storage"
PODS = "pods"

#: What scoring assumes a container without a cpu/memory request uses (upstream defaults).
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024


def amount(name: str, quantity: Any) -> int:
    """A quantity (``Quantity``, str or number) as an integer amount of resource ``name``."""
    from microkube.api import Quantity

    q = quantity if isinstance(quantity, Quantity) else Quantity(quantity)
    return q.milli_value() if name == CPU else q.value()


def amounts(resources: Mapping[str, Any] | None) -> dict[str, int]:
    return {name: amount(name, value) for name, value in (resources or {}).items()}


def _add(total: dict[str, int], more: Mapping[str, int]) -> None:
    for name, value in more.items():
        total[name] = total.get(name, 0) + value


def _max_into(total: dict[str, int], other: Mapping[str, int]) -> None:
    for name, value in other.items():
        if value > total.get(name, 0):
            total[name] = value


def _container_requests(container: Any, non_zero: bool) -> dict[str, int]:
    resources = container.resources
    requests = amounts(resources.requests if resources is not None else None)
    if non_zero:
        requests.setdefault(CPU, DEFAULT_MILLI_CPU_REQUEST)
        requests.setdefault(MEMORY, DEFAULT_MEMORY_REQUEST)
    return requests


def pod_requests(pod: Any, *, non_zero: bool = False) -> dict[str, int]:
    """The pod's effective requests (``non_zero``: cpu/memory defaults for containers that
    request none, as scoring uses)."""
    spec = pod.spec
    total: dict[str, int] = {}
    for container in spec.containers or ():
        _add(total, _container_requests(container, non_zero))
    sidecars: dict[str, int] = {}
    init_max: dict[str, int] = {}
    for container in spec.init_containers or ():
        requests = _container_requests(container, non_zero)
        if container.restart_policy == "Always":
            _add(total, requests)
            _add(sidecars, requests)
            requests = dict(sidecars)
        else:
            merged = dict(requests)
            _add(merged, sidecars)
            requests = merged
        _max_into(init_max, requests)
    _max_into(total, init_max)
    _add(total, amounts(spec.overhead))
    return total


def host_ports(pod: Any) -> list[tuple[str, str, int]]:
    """The (hostIP, protocol, hostPort) triples the pod's containers claim on their node."""
    found = []
    for container in _all_containers(pod):
        for port in container.ports or ():
            if port.host_port:
                found.append((port.host_ip or "0.0.0.0", port.protocol or "TCP", port.host_port))
    return found


def _all_containers(pod: Any) -> Iterable[Any]:
    yield from pod.spec.init_containers or ()
    yield from pod.spec.containers or ()


def images(pod: Any) -> list[str]:
    """The normalized image names of the pod's containers (``:latest`` added when untagged)."""
    return [normalized_image(c.image) for c in _all_containers(pod) if c.image]


def normalized_image(name: str) -> str:
    if "@" in name:
        return name
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else f"{name}:latest"
