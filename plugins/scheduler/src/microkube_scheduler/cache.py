"""The scheduler's cache: every node and the pods placed on it, including *assumed* pods —
pods the scheduler chose a node for whose binding is not yet confirmed by the API server — so
two pods are never placed on the last free slot of a node.

An assumed pod stays until the informer reports it bound (confirmed), its binding fails
(forgotten) or it is deleted. Pods reported for a node the cache does not know yet are kept
on a placeholder, as upstream, until the Node arrives.
"""

from __future__ import annotations

from typing import Any

from microkube_scheduler.nodeinfo import NodeInfo
from microkube_scheduler.podinfo import PodInfo


class SchedulerCache:
    def __init__(self) -> None:
        self._nodes: dict[str, NodeInfo] = {}
        self._list: list[NodeInfo] | None = None
        #: pod key -> (PodInfo, node name)
        self._pods: dict[str, tuple[PodInfo, str]] = {}
        self._assumed: set[str] = set()
        #: normalized image name -> how many nodes have it (ImageLocality's spread)
        self.image_nodes: dict[str, int] = {}
        #: node name -> how many of its pods have (anti-)affinity terms / required anti-affinity
        self._affinity_nodes: dict[str, int] = {}
        self._anti_affinity_nodes: dict[str, int] = {}
        #: names of the nodes with a NoSchedule/NoExecute taint, and of the cordoned ones
        self.tainted: set[str] = set()
        self.cordoned: set[str] = set()
        #: label key -> value -> names of the nodes carrying it (topology domains)
        self._labels: dict[str, dict[str, set[str]]] = {}
        #: namespace -> {pod key: PodInfo} of the pods placed on nodes
        self._by_namespace: dict[str, dict[str, PodInfo]] = {}

    # -- nodes ----------------------------------------------------------------------------

    def add_node(self, node: Any) -> NodeInfo:
        name = node.metadata.name
        info = self._nodes.get(name)
        if info is None:
            info = self._nodes[name] = NodeInfo(node)
        else:
            self._count_images(info, -1)
            self._index_labels(info, add=False)
            info.set_node(node)
        self._count_images(info, 1)
        self._index_labels(info, add=True)
        _flag(self.tainted, name, any(t.effect in _HARD_EFFECTS for t in info.taints))
        _flag(self.cordoned, name, info.unschedulable)
        self._list = None
        return info

    update_node = add_node

    def remove_node(self, name: str) -> None:
        info = self._nodes.get(name)
        if info is None:
            return
        self._count_images(info, -1)
        self._index_labels(info, add=False)
        self.tainted.discard(name)
        self.cordoned.discard(name)
        if info.pod_infos:
            # Pods still reported on it: keep a placeholder until they go, as upstream.
            info.node = None
            info.image_sizes = {}
        else:
            del self._nodes[name]
        self._list = None

    def _count_images(self, info: NodeInfo, delta: int) -> None:
        if info.node is None:
            return
        for image in info.image_sizes:
            count = self.image_nodes.get(image, 0) + delta
            if count > 0:
                self.image_nodes[image] = count
            else:
                self.image_nodes.pop(image, None)

    def _index_labels(self, info: NodeInfo, *, add: bool) -> None:
        if info.node is None:
            return
        for key, value in info.labels.items():
            values = self._labels.setdefault(key, {})
            names = values.setdefault(value, set())
            if add:
                names.add(info.name)
                continue
            names.discard(info.name)
            if not names:
                del values[value]
                if not values:
                    del self._labels[key]

    def label_values(self, key: str) -> dict[str, set[str]]:
        """value -> names of the nodes labelled ``key=value`` (do not mutate)."""
        return self._labels.get(key, {})

    def node_list(self) -> list[NodeInfo]:
        """The nodes that exist (not placeholders), in a stable order."""
        if self._list is None:
            self._list = [info for info in self._nodes.values() if info.node is not None]
        return self._list

    def get(self, name: str) -> NodeInfo | None:
        info = self._nodes.get(name)
        return info if info is not None and info.node is not None else None

    def __len__(self) -> int:
        return len(self.node_list())

    # -- pods -----------------------------------------------------------------------------

    def _place(self, info: PodInfo, node_name: str) -> None:
        node = self._nodes.get(node_name)
        if node is None:
            node = self._nodes[node_name] = NodeInfo(name=node_name)
        node.add_pod(info)
        self._pods[info.key] = (info, node_name)
        self._by_namespace.setdefault(info.namespace, {})[info.key] = info
        if info.has_affinity:
            _count(self._affinity_nodes, node_name, 1)
            if info.required_anti_affinity:
                _count(self._anti_affinity_nodes, node_name, 1)

    def _unplace(self, key: str) -> PodInfo | None:
        entry = self._pods.pop(key, None)
        if entry is None:
            return None
        info, node_name = entry
        in_namespace = self._by_namespace.get(info.namespace)
        if in_namespace is not None:
            in_namespace.pop(info.key, None)
            if not in_namespace:
                del self._by_namespace[info.namespace]
        if info.has_affinity:
            _count(self._affinity_nodes, node_name, -1)
            if info.required_anti_affinity:
                _count(self._anti_affinity_nodes, node_name, -1)
        node = self._nodes.get(node_name)
        if node is not None:
            node.remove_pod(key)
            if node.node is None and not node.pod_infos:
                del self._nodes[node_name]
        return info

    def assume_pod(self, info: PodInfo, node_name: str) -> None:
        """Place ``info`` on ``node_name`` before its binding is confirmed."""
        if info.key in self._pods:
            raise ValueError(f"pod {info.key} is already in the scheduler cache")
        self._place(info, node_name)
        self._assumed.add(info.key)

    def forget_pod(self, key: str) -> None:
        """Undo :meth:`assume_pod` (the binding failed)."""
        if key in self._assumed:
            self._assumed.discard(key)
            self._unplace(key)

    def is_assumed(self, key: str) -> bool:
        return key in self._assumed

    def add_pod(self, info: PodInfo) -> None:
        """A bound pod reported by the informer (confirms an assumed one)."""
        self._assumed.discard(info.key)
        self._unplace(info.key)
        self._place(info, info.node_name)

    update_pod = add_pod

    def remove_pod(self, key: str) -> PodInfo | None:
        self._assumed.discard(key)
        return self._unplace(key)

    def nodes_with_affinity_pods(self, *, required_anti_affinity: bool = False) -> list[NodeInfo]:
        """The nodes holding pods with (anti-)affinity terms — or, with
        ``required_anti_affinity``, with required anti-affinity terms — without a scan."""
        names = self._anti_affinity_nodes if required_anti_affinity else self._affinity_nodes
        found = (self.get(name) for name in names)
        return [node for node in found if node is not None]

    def pods_in_namespace(self, namespace: str) -> list[PodInfo]:
        """The placed (bound or assumed) pods of one namespace."""
        return list(self._by_namespace.get(namespace, {}).values())

    def pod(self, key: str) -> PodInfo | None:
        entry = self._pods.get(key)
        return entry[0] if entry else None

    def pod_count(self) -> int:
        return len(self._pods)


def _count(counts: dict[str, int], key: str, delta: int) -> None:
    value = counts.get(key, 0) + delta
    if value > 0:
        counts[key] = value
    else:
        counts.pop(key, None)


_HARD_EFFECTS = frozenset({"NoSchedule", "NoExecute"})


def _flag(names: set[str], name: str, on: bool) -> None:
    if on:
        names.add(name)
    else:
        names.discard(name)
