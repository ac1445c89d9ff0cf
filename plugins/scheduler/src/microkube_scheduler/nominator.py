"""Nominated pods: pods that preempted others and wait for the victims to leave. Other pods
of lower priority must not take the room freed for them (``nominatedNodeName``)."""

from __future__ import annotations

from microkube_scheduler.podinfo import PodInfo


class Nominator:
    def __init__(self) -> None:
        self._by_node: dict[str, dict[str, PodInfo]] = {}
        self._node_of: dict[str, str] = {}

    def add(self, info: PodInfo, node_name: str) -> None:
        self.remove(info.key)
        if not node_name:
            return
        self._by_node.setdefault(node_name, {})[info.key] = info
        self._node_of[info.key] = node_name

    def remove(self, key: str) -> None:
        node_name = self._node_of.pop(key, None)
        if node_name is None:
            return
        pods = self._by_node.get(node_name)
        if pods is not None:
            pods.pop(key, None)
            if not pods:
                del self._by_node[node_name]

    def on_node(self, node_name: str) -> list[PodInfo]:
        pods = self._by_node.get(node_name)
        return list(pods.values()) if pods else []

    def node_of(self, key: str) -> str:
        return self._node_of.get(key, "")

    def __bool__(self) -> bool:
        return bool(self._node_of)
