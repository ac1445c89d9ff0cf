"""The scheduler plugin suite, run on two small plugins built on the kit's scheduling fakes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from microkube.api import from_dict
from microkube.contracts.scheduling import (
    MAX_NODE_SCORE,
    SUCCESS,
    CycleState,
    FrameworkHandle,
    NodeInfo,
    NodeScore,
    StateKey,
    Status,
)
from microkube.testing.conformance.scheduling import SchedulingPluginConformance
from microkube.testing.fakes.scheduling import FakeFrameworkHandle, FakeNodeInfo


def node(name: str) -> Any:
    return from_dict({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})


def pod(name: str, node_name: str | None = None) -> Any:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "busybox"}]}
    if node_name:
        spec["nodeName"] = node_name
    return from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec})


class NodeName:
    """Filter: a pod naming a node fits only there."""

    name = "NodeName"

    def __init__(self, args: Mapping[str, Any], handle: FrameworkHandle) -> None:
        self.handle = handle

    def filter(self, state: CycleState, pod: Any, node_info: NodeInfo) -> Status:
        wanted = pod.spec.node_name
        if wanted and wanted != node_info.node.metadata.name:
            return Status.unschedulable(
                "node(s) didn't match the requested node name", resolvable=False, plugin=self.name
            )
        return SUCCESS


MOST = StateKey[int]("LeastPods/most")


class LeastPods:
    """PreScore + Score + NormalizeScore: fewer pods, higher score (weight from args)."""

    name = "LeastPods"

    def __init__(self, args: Mapping[str, Any], handle: FrameworkHandle) -> None:
        self.handle = handle

    def pre_score(self, state: CycleState, pod: Any, nodes: Sequence[NodeInfo]) -> Status:
        state.write(MOST, max((len(n.pods) for n in nodes), default=0))
        return SUCCESS

    def score(self, state: CycleState, pod: Any, node_info: NodeInfo) -> tuple[int, Status]:
        return len(node_info.pods), SUCCESS

    def normalize_score(self, state: CycleState, pod: Any, scores: list[NodeScore]) -> Status:
        most = state.read(MOST) or 1
        for i, s in enumerate(scores):
            scores[i] = NodeScore(s.name, MAX_NODE_SCORE - s.score * MAX_NODE_SCORE // most)
        return SUCCESS


@pytest.fixture
def cluster() -> list[FakeNodeInfo]:
    return [
        FakeNodeInfo(node=node("a")),
        FakeNodeInfo(node=node("b"), pods=[pod("x"), pod("y")]),
        FakeNodeInfo(node=node("c"), pods=[pod("z")], allocatable={"cpu": 4000}),
    ]


class TestNodeNameConformance(SchedulingPluginConformance):
    @pytest.fixture
    def plugin_factory(self) -> Any:
        return NodeName

    @pytest.fixture
    def node_infos(self, cluster: list[FakeNodeInfo]) -> list[FakeNodeInfo]:
        return cluster

    @pytest.fixture
    def pods(self) -> list[Any]:
        return [pod("free"), pod("pinned", node_name="b")]


class TestLeastPodsConformance(SchedulingPluginConformance):
    @pytest.fixture
    def plugin_factory(self) -> Any:
        return LeastPods

    @pytest.fixture
    def node_infos(self, cluster: list[FakeNodeInfo]) -> list[FakeNodeInfo]:
        return cluster

    @pytest.fixture
    def pods(self) -> list[Any]:
        return [pod("p")]


def test_framework_handle_snapshot(cluster: list[FakeNodeInfo]) -> None:
    handle = FakeFrameworkHandle(cluster, client="client")
    assert isinstance(handle, FrameworkHandle)
    assert all(isinstance(i, NodeInfo) for i in handle.node_infos())
    found = handle.get_node_info("b")
    assert found is not None and len(found.pods) == 2
    assert handle.get_node_info("nope") is None
    handle.replace(cluster[:1])
    assert [i.name for i in handle.node_infos()] == ["a"]
    assert handle.client == "client"


def test_the_sample_plugins_behave(cluster: list[FakeNodeInfo]) -> None:
    handle = FakeFrameworkHandle(cluster)
    statuses = [NodeName({}, handle).filter(CycleState(), pod("p", "b"), n) for n in cluster]
    assert [s.is_success() for s in statuses] == [False, True, False]
    plugin = LeastPods({}, handle)
    state = CycleState()
    plugin.pre_score(state, pod("p"), cluster)
    scores = [NodeScore(n.name, plugin.score(state, pod("p"), n)[0]) for n in cluster]
    plugin.normalize_score(state, pod("p"), scores)
    assert [s.score for s in scores] == [100, 0, 50]
