"""The scheduler plugin conformance suite, for one Filter and/or Score plugin.

Subclass it and provide fixtures: ``plugin_factory`` (the factory registered with
``microkube_scheduler_plugins``), ``node_infos`` (the snapshot, a sequence of NodeInfo; the
kit's :class:`~microkube.testing.fakes.scheduling.FakeNodeInfo` will do) and ``pods`` (pods to
schedule); optionally ``plugin_args`` (its ``pluginConfig`` args, default ``{}``)::

    class TestNodeAffinity(SchedulingPluginConformance):
        @pytest.fixture
        def plugin_factory(self):
            return NodeAffinity.new

        @pytest.fixture
        def node_infos(self):
            return [FakeNodeInfo(node=node("a", zone="z1")), FakeNodeInfo(node=node("b"))]

        @pytest.fixture
        def pods(self):
            return [pod("p1", node_selector={"zone": "z1"}), pod("p2")]

The suite runs the plugin the way the framework does (PreFilter before Filter, PreScore
before Score, NormalizeScore after) and checks the framework's expectations of its results.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from microkube.contracts.scheduling import (
    MAX_NODE_SCORE,
    MIN_NODE_SCORE,
    BindPlugin,
    Code,
    CycleState,
    FilterPlugin,
    NodeInfo,
    NodeScore,
    NormalizeScorePlugin,
    PermitPlugin,
    Plugin,
    PostBindPlugin,
    PostFilterPlugin,
    PreBindPlugin,
    PreFilterPlugin,
    PreScorePlugin,
    ReservePlugin,
    SchedulerPluginFactory,
    ScorePlugin,
    Status,
)
from microkube.testing.fakes._objects import name_of
from microkube.testing.fakes.scheduling import FakeFrameworkHandle

EXTENSION_POINTS = (
    PreFilterPlugin,
    FilterPlugin,
    PostFilterPlugin,
    PreScorePlugin,
    ScorePlugin,
    NormalizeScorePlugin,
    ReservePlugin,
    PermitPlugin,
    PreBindPlugin,
    BindPlugin,
    PostBindPlugin,
)
#: What Filter may answer (Wait/Skip/Pending belong to other extension points).
FILTER_CODES = {Code.SUCCESS, Code.ERROR, Code.UNSCHEDULABLE, Code.UNSCHEDULABLE_AND_UNRESOLVABLE}


def _node_name(info: NodeInfo) -> str:
    return name_of(info.node)


def _comparable(value: Any) -> bool:
    return type(value).__eq__ is not object.__eq__


class SchedulingPluginConformance:
    """Base class of a scheduler plugin's conformance tests (see the module docstring)."""

    pytestmark = pytest.mark.asyncio

    @pytest.fixture
    def plugin_args(self) -> Mapping[str, Any]:
        return {}

    @pytest.fixture
    def handle(self, node_infos: Sequence[NodeInfo]) -> FakeFrameworkHandle:
        return FakeFrameworkHandle(node_infos)

    @pytest.fixture
    def plugin(
        self,
        plugin_factory: SchedulerPluginFactory,
        plugin_args: Mapping[str, Any],
        handle: FakeFrameworkHandle,
    ) -> Plugin:
        return plugin_factory(plugin_args, handle)

    # -- running extension points as the framework does ---------------------------------

    def filter_cycle(
        self, plugin: Plugin, pod: Any, nodes: Sequence[NodeInfo], state: CycleState
    ) -> dict[str, Status] | None:
        """PreFilter then Filter per node; None when PreFilter skipped or rejected the pod."""
        allowed: set[str] | None = None
        if isinstance(plugin, PreFilterPlugin):
            result, status = plugin.pre_filter(state, pod, nodes)
            assert isinstance(status, Status)
            if status.code is Code.SKIP or not status.is_success():
                return None
            if result is not None and result.node_names is not None:
                allowed = set(result.node_names)
        assert isinstance(plugin, FilterPlugin)
        return {
            _node_name(info): plugin.filter(state, pod, info)
            for info in nodes
            if allowed is None or _node_name(info) in allowed
        }

    def score_cycle(
        self, plugin: Plugin, pod: Any, nodes: Sequence[NodeInfo], state: CycleState
    ) -> list[NodeScore] | None:
        """PreScore, Score per node, NormalizeScore; None when PreScore skipped."""
        if isinstance(plugin, PreScorePlugin):
            status = plugin.pre_score(state, pod, nodes)
            assert isinstance(status, Status)
            if status.code is Code.SKIP:
                return None
            assert status.is_success(), f"PreScore failed: {status}"
        assert isinstance(plugin, ScorePlugin)
        scores = []
        for info in nodes:
            score, status = plugin.score(state, pod, info)
            assert isinstance(status, Status) and status.is_success(), status
            assert isinstance(score, int) and not isinstance(score, bool), score
            scores.append(NodeScore(_node_name(info), score))
        if isinstance(plugin, NormalizeScorePlugin):
            status = plugin.normalize_score(state, pod, scores)
            assert isinstance(status, Status) and status.is_success(), status
        return scores

    # -- tests --------------------------------------------------------------------------

    async def test_is_a_named_plugin(self, plugin: Plugin) -> None:
        assert isinstance(plugin, Plugin)
        assert isinstance(plugin.name, str) and plugin.name
        assert any(isinstance(plugin, point) for point in EXTENSION_POINTS)

    async def test_pre_filter_narrows_to_known_nodes(
        self, plugin: Plugin, pods: Sequence[Any], node_infos: Sequence[NodeInfo]
    ) -> None:
        if not isinstance(plugin, PreFilterPlugin):
            pytest.skip("not a PreFilter plugin")
        names = {_node_name(i) for i in node_infos}
        for pod in pods:
            result, status = plugin.pre_filter(CycleState(), pod, node_infos)
            assert isinstance(status, Status)
            if result is not None and result.node_names is not None:
                assert result.node_names <= names

    async def test_filter_answers_a_status_per_node(
        self, plugin: Plugin, pods: Sequence[Any], node_infos: Sequence[NodeInfo]
    ) -> None:
        if not isinstance(plugin, FilterPlugin):
            pytest.skip("not a Filter plugin")
        for pod in pods:
            statuses = self.filter_cycle(plugin, pod, node_infos, CycleState())
            for node, status in (statuses or {}).items():
                assert isinstance(status, Status), node
                assert status.code in FILTER_CODES, f"{node}: {status}"
                assert all(isinstance(r, str) for r in status.reasons)
                if status.is_rejected():
                    assert status.reasons, f"{node}: a rejection must say why"

    async def test_filter_is_deterministic_and_state_clone_safe(
        self, plugin: Plugin, pods: Sequence[Any], node_infos: Sequence[NodeInfo]
    ) -> None:
        if not isinstance(plugin, FilterPlugin):
            pytest.skip("not a Filter plugin")
        for pod in pods:
            state = CycleState()
            first = self.filter_cycle(plugin, pod, node_infos, state)
            if first is None:
                continue
            again = self.filter_cycle(plugin, pod, node_infos, CycleState())
            assert again is not None
            assert {n: s.code for n, s in again.items()} == {n: s.code for n, s in first.items()}
            # Preemption re-runs Filter on cloned cycle states.
            clone = state.clone()
            for info in node_infos:
                name = _node_name(info)
                if name in first:
                    assert plugin.filter(clone, pod, info).code == first[name].code

    async def test_filter_leaves_pods_and_nodes_alone(
        self, plugin: Plugin, pods: Sequence[Any], node_infos: Sequence[NodeInfo]
    ) -> None:
        if not isinstance(plugin, FilterPlugin):
            pytest.skip("not a Filter plugin")
        before = [copy.deepcopy(p) for p in pods], [copy.deepcopy(i.node) for i in node_infos]
        for pod in pods:
            self.filter_cycle(plugin, pod, node_infos, CycleState())
        for old, new in zip(before[0], pods, strict=True):
            if _comparable(new):
                assert old == new, "Filter must not modify the pod"
        for old, info in zip(before[1], node_infos, strict=True):
            if _comparable(info.node):
                assert old == info.node, "Filter must not modify the node"

    async def test_scores_are_in_range_after_normalize(
        self, plugin: Plugin, pods: Sequence[Any], node_infos: Sequence[NodeInfo]
    ) -> None:
        if not isinstance(plugin, ScorePlugin):
            pytest.skip("not a Score plugin")
        names = [_node_name(i) for i in node_infos]
        for pod in pods:
            scores = self.score_cycle(plugin, pod, node_infos, CycleState())
            if scores is None:
                continue
            assert [s.name for s in scores] == names, "NormalizeScore must keep the nodes"
            for s in scores:
                assert MIN_NODE_SCORE <= s.score <= MAX_NODE_SCORE, s

    async def test_scores_are_deterministic(
        self, plugin: Plugin, pods: Sequence[Any], node_infos: Sequence[NodeInfo]
    ) -> None:
        if not isinstance(plugin, ScorePlugin):
            pytest.skip("not a Score plugin")
        for pod in pods:
            first = self.score_cycle(plugin, pod, node_infos, CycleState())
            again = self.score_cycle(plugin, pod, node_infos, CycleState())
            assert first == again
