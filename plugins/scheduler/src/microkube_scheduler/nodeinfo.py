"""``NodeInfo``: a node as the scheduler sees it — the Node, the pods on it (bound and
assumed), and running sums kept up to date as pods come and go, so filters and scores are
arithmetic on precomputed numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from microkube_scheduler.podinfo import PodInfo
from microkube_scheduler.resources import amounts, normalized_image


class NodeInfo:
    """Implements :class:`microkube.contracts.scheduling.NodeInfo`, with extras the default
    plugins use (``taints``, ``pod_infos``, ``used_ports``, ``image_sizes``, ...)."""

    __slots__ = (
        "allocatable",
        "generation",
        "image_sizes",
        "labels",
        "name",
        "node",
        "non_zero_requested",
        "pod_infos",
        "pods_with_affinity",
        "pods_with_required_anti_affinity",
        "requested",
        "taints",
        "unschedulable",
        "used_ports",
    )

    def __init__(self, node: Any = None, name: str = "") -> None:
        self.node: Any = None
        self.name = name
        self.labels: Mapping[str, str] = {}
        self.taints: Sequence[Any] = ()
        self.unschedulable = False
        self.allocatable: dict[str, int] = {}
        self.image_sizes: dict[str, int] = {}
        self.requested: dict[str, int] = {}
        self.non_zero_requested: dict[str, int] = {}
        self.pod_infos: list[PodInfo] = []
        self.pods_with_affinity: list[PodInfo] = []
        self.pods_with_required_anti_affinity: list[PodInfo] = []
        self.used_ports: dict[tuple[str, int], set[str]] = {}
        self.generation = 0
        if node is not None:
            self.set_node(node)

    # -- the contract ---------------------------------------------------------------------

    @property
    def pods(self) -> list[Any]:
        return [info.pod for info in self.pod_infos]

    # -- maintenance ----------------------------------------------------------------------

    def set_node(self, node: Any) -> None:
        self.node = node
        self.name = node.metadata.name
        self.labels = node.metadata.labels or {}
        spec = node.spec
        self.taints = tuple(spec.taints or ()) if spec is not None else ()
        self.unschedulable = bool(spec.unschedulable) if spec is not None else False
        status = node.status
        self.allocatable = amounts(status.allocatable if status is not None else None)
        sizes: dict[str, int] = {}
        for image in (status.images if status is not None else None) or ():
            for image_name in image.names or ():
                sizes[normalized_image(image_name)] = image.size_bytes or 0
        self.image_sizes = sizes
        self.generation += 1

    def add_pod(self, info: PodInfo) -> None:
        self.pod_infos.append(info)
        requested, non_zero = self.requested, self.non_zero_requested
        for name, value in info.requests.items():
            requested[name] = requested.get(name, 0) + value
        for name, value in info.non_zero_requests.items():
            non_zero[name] = non_zero.get(name, 0) + value
        if info.has_affinity:
            self.pods_with_affinity.append(info)
        if info.required_anti_affinity:
            self.pods_with_required_anti_affinity.append(info)
        for host_ip, protocol, port in info.ports:
            self.used_ports.setdefault((protocol, port), set()).add(host_ip)
        self.generation += 1

    def remove_pod(self, key: str) -> PodInfo | None:
        """Remove the pod with ``key`` (namespace/name); the removed PodInfo or None."""
        index = next((i for i, p in enumerate(self.pod_infos) if p.key == key), None)
        if index is None:
            return None
        info = self.pod_infos.pop(index)
        for name, value in info.requests.items():
            self.requested[name] -= value
        for name, value in info.non_zero_requests.items():
            self.non_zero_requested[name] -= value
        if info.has_affinity:
            self.pods_with_affinity = [p for p in self.pods_with_affinity if p.key != key]
        if info.required_anti_affinity:
            self.pods_with_required_anti_affinity = [
                p for p in self.pods_with_required_anti_affinity if p.key != key
            ]
        for host_ip, protocol, port in info.ports:
            ips = self.used_ports.get((protocol, port))
            if ips is not None:
                ips.discard(host_ip)
                if not ips:
                    del self.used_ports[(protocol, port)]
        self.generation += 1
        return info

    def clone(self) -> NodeInfo:
        """A copy whose pods can be changed without touching this one (preemption dry runs)."""
        other = NodeInfo()
        other.node, other.name, other.labels = self.node, self.name, self.labels
        other.taints, other.unschedulable = self.taints, self.unschedulable
        other.allocatable, other.image_sizes = self.allocatable, self.image_sizes
        other.requested = dict(self.requested)
        other.non_zero_requested = dict(self.non_zero_requested)
        other.pod_infos = list(self.pod_infos)
        other.pods_with_affinity = list(self.pods_with_affinity)
        other.pods_with_required_anti_affinity = list(self.pods_with_required_anti_affinity)
        other.used_ports = {key: set(ips) for key, ips in self.used_ports.items()}
        other.generation = self.generation
        return other

    def ports_conflict(self, wanted: Sequence[tuple[str, str, int]]) -> bool:
        """Would any of ``wanted`` (hostIP, protocol, port) clash with a port in use?"""
        for host_ip, protocol, port in wanted:
            ips = self.used_ports.get((protocol, port))
            if not ips:
                continue
            if host_ip == "0.0.0.0" or "0.0.0.0" in ips or host_ip in ips:
                return True
        return False

    def __repr__(self) -> str:
        return f"<NodeInfo {self.name} pods={len(self.pod_infos)}>"
