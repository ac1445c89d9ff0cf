"""NodeResourcesFit: a pod fits a node whose allocatable minus what its pods request covers
the pod's requests (cpu, memory, ephemeral-storage, extended resources such as
``nvidia.com/gpu``, and the pod count). Scoring follows ``scoringStrategy``: LeastAllocated
(default: spread), MostAllocated (bin-pack) or RequestedToCapacityRatio (a utilization
curve)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from microkube import hookimpl
from microkube.contracts.scheduling import (
    MAX_NODE_SCORE,
    CycleState,
    PreFilterResult,
    StateKey,
    Status,
)
from microkube_scheduler.args import structure
from microkube_scheduler.framework import POD_INFO
from microkube_scheduler.plugins.common import SUCCESS
from microkube_scheduler.resources import CPU, MEMORY, PODS

NAME = "NodeResourcesFit"
LEAST_ALLOCATED = "LeastAllocated"
MOST_ALLOCATED = "MostAllocated"
REQUESTED_TO_CAPACITY_RATIO = "RequestedToCapacityRatio"
MAX_UTILIZATION = 100
MAX_CUSTOM_SCORE = 10

_REQUESTS: StateKey[tuple[tuple[str, int], ...]] = StateKey("NodeResourcesFit/requests")
_SCORE_REQUESTS: StateKey[tuple[tuple[str, int, int, bool], ...]] = StateKey(
    "NodeResourcesFit/score-requests"
)


@attrs.define
class ResourceSpec:
    name: str
    weight: int = 1


@attrs.define
class UtilizationShapePoint:
    utilization: int
    score: int


@attrs.define
class RequestedToCapacityRatioParam:
    shape: list[UtilizationShapePoint] = attrs.Factory(list)


@attrs.define
class ScoringStrategy:
    type: str = LEAST_ALLOCATED
    resources: list[ResourceSpec] = attrs.Factory(
        lambda: [ResourceSpec(CPU, 1), ResourceSpec(MEMORY, 1)]
    )
    requested_to_capacity_ratio: RequestedToCapacityRatioParam | None = None


@attrs.define
class NodeResourcesFitArgs:
    ignored_resources: list[str] = attrs.Factory(list)
    ignored_resource_groups: list[str] = attrs.Factory(list)
    scoring_strategy: ScoringStrategy = attrs.Factory(ScoringStrategy)

    def validate(self) -> list[str]:
        problems = []
        strategy = self.scoring_strategy
        kinds = (LEAST_ALLOCATED, MOST_ALLOCATED, REQUESTED_TO_CAPACITY_RATIO)
        if strategy.type not in kinds:
            problems.append(
                f"scoringStrategy.type: Unsupported value: {strategy.type!r}: supported values: "
                + ", ".join(repr(k) for k in kinds)
            )
        for i, resource in enumerate(strategy.resources):
            if not 1 <= resource.weight <= 100:
                problems.append(
                    f"scoringStrategy.resources[{i}].weight: must be in the range [1, 100]"
                )
        if strategy.type == REQUESTED_TO_CAPACITY_RATIO:
            shape = (
                strategy.requested_to_capacity_ratio.shape
                if (strategy.requested_to_capacity_ratio)
                else []
            )
            if not shape:
                problems.append("scoringStrategy.requestedToCapacityRatio.shape: Required value")
            for i, point in enumerate(shape):
                where = f"scoringStrategy.requestedToCapacityRatio.shape[{i}]"
                if not 0 <= point.utilization <= MAX_UTILIZATION:
                    problems.append(f"{where}.utilization: must be in the range [0, 100]")
                if not 0 <= point.score <= MAX_CUSTOM_SCORE:
                    problems.append(f"{where}.score: must be in the range [0, 10]")
                if i and point.utilization <= shape[i - 1].utilization:
                    problems.append(
                        f"{where}.utilization: values must be sorted in increasing order"
                    )
        return problems


def least_requested(requested: int, capacity: int) -> int:
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested(requested: int, capacity: int) -> int:
    if capacity == 0:
        return 0
    requested = min(requested, capacity)
    return requested * MAX_NODE_SCORE // capacity


def broken_linear(shape: Sequence[tuple[int, int]]) -> Callable[[int], int]:
    def score(utilization: int) -> int:
        for i, (point_utilization, point_score) in enumerate(shape):
            if utilization <= point_utilization:
                if i == 0:
                    return point_score
                prev_u, prev_s = shape[i - 1]
                return prev_s + (point_score - prev_s) * (utilization - prev_u) // (
                    point_utilization - prev_u
                )
        return shape[-1][1]

    return score


def requested_to_capacity(shape: Sequence[tuple[int, int]]) -> Callable[[int, int], int]:
    curve = broken_linear([(u, s * (MAX_NODE_SCORE // MAX_CUSTOM_SCORE)) for u, s in shape])

    def score(requested: int, capacity: int) -> int:
        if capacity == 0 or requested > capacity:
            return curve(MAX_UTILIZATION)
        return curve(requested * MAX_UTILIZATION // capacity)

    return score


class NodeResourcesFit:
    name = NAME

    def __init__(self, args: NodeResourcesFitArgs) -> None:
        self.args = args
        self._filter_state: CycleState | None = None
        self._filter_requests: tuple[tuple[str, int], ...] = ()
        self._score_state: CycleState | None = None
        self._score_entries: tuple[tuple[str, int, int, bool], ...] = ()
        self.ignored = frozenset(args.ignored_resources)
        self.ignored_groups = frozenset(args.ignored_resource_groups)
        strategy = args.scoring_strategy
        self.resources = [(r.name, r.weight) for r in strategy.resources]
        self.rounded = strategy.type == REQUESTED_TO_CAPACITY_RATIO
        if strategy.type == MOST_ALLOCATED:
            self.scorer = most_requested
        elif self.rounded:
            param = strategy.requested_to_capacity_ratio
            shape = param.shape if param is not None else []
            self.scorer = requested_to_capacity([(p.utilization, p.score) for p in shape])
        else:
            self.scorer = least_requested

    def _counted(self, resource: str) -> bool:
        if resource in self.ignored:
            return False
        return not ("/" in resource and resource.split("/", 1)[0] in self.ignored_groups)

    def pre_filter(
        self, state: CycleState, pod: Any, nodes: Sequence[Any]
    ) -> tuple[PreFilterResult | None, Status]:
        info = state.read(POD_INFO)
        requests = tuple(
            (name, value)
            for name, value in info.requests.items()
            if value > 0 and name != PODS and self._counted(name)
        )
        state.write(_REQUESTS, requests)
        return None, SUCCESS

    def _requests(self, state: CycleState, pod: Any) -> tuple[tuple[str, int], ...]:
        # The hot path: the last cycle's state is remembered, saving a lookup per node.
        if state is self._filter_state:
            return self._filter_requests
        requests = state.get(_REQUESTS)
        if requests is None:
            self.pre_filter(state, pod, ())
            requests = state.read(_REQUESTS)
        self._filter_state, self._filter_requests = state, requests
        return requests

    def filter(self, state: CycleState, pod: Any, node_info: Any) -> Status:
        if state is self._filter_state:
            requests = self._filter_requests
        else:
            requests = self._requests(state, pod)
        allocatable, requested = node_info.allocatable, node_info.requested
        reasons = None
        if len(node_info.pod_infos) >= allocatable.get(PODS, 0):
            reasons = ["Too many pods"]
        for name, value in requests:
            if value > allocatable.get(name, 0) - requested.get(name, 0):
                if reasons is None:
                    reasons = []
                reasons.append(f"Insufficient {name}")
        if reasons is None:
            return SUCCESS
        return Status.unschedulable(*reasons, plugin=NAME)

    def pre_score(self, state: CycleState, pod: Any, nodes: Sequence[Any]) -> Status:
        info = state.read(POD_INFO)
        entries = []
        for name, weight in self.resources:
            non_zero = name in (CPU, MEMORY)
            source = info.non_zero_requests if non_zero else info.requests
            entries.append((name, source.get(name, 0), weight, non_zero))
        state.write(_SCORE_REQUESTS, tuple(entries))
        return SUCCESS

    def score_nodes(self, state: CycleState, pod: Any, nodes: Sequence[Any]) -> list[int]:
        """:meth:`score` for many nodes at once; LeastAllocated on two resources (the default)
        without a call per node."""
        entries = self._score_entries_for(state, pod)
        if self.scorer is not least_requested or len(entries) != 2:
            return [self.score(state, pod, node)[0] for node in nodes]
        (name1, req1, weight1, nz1), (name2, req2, weight2, nz2) = entries
        top = MAX_NODE_SCORE
        out = []
        for node in nodes:
            allocatable = node.allocatable
            cap1 = allocatable.get(name1, 0)
            cap2 = allocatable.get(name2, 0)
            used1 = (node.non_zero_requested if nz1 else node.requested).get(name1, 0) + req1
            used2 = (node.non_zero_requested if nz2 else node.requested).get(name2, 0) + req2
            total = weights = 0
            if cap1:
                total += ((cap1 - used1) * top // cap1 if used1 <= cap1 else 0) * weight1
                weights += weight1
            if cap2:
                total += ((cap2 - used2) * top // cap2 if used2 <= cap2 else 0) * weight2
                weights += weight2
            out.append(total // weights if weights else 0)
        return out

    def _score_entries_for(
        self, state: CycleState, pod: Any
    ) -> tuple[tuple[str, int, int, bool], ...]:
        if state is not self._score_state:
            entries = state.get(_SCORE_REQUESTS)
            if entries is None:
                self.pre_score(state, pod, ())
                entries = state.read(_SCORE_REQUESTS)
            self._score_state, self._score_entries = state, entries
        return self._score_entries

    def score(self, state: CycleState, pod: Any, node_info: Any) -> tuple[int, Status]:
        entries = self._score_entries_for(state, pod)
        allocatable = node_info.allocatable
        non_zero_requested, requested = node_info.non_zero_requested, node_info.requested
        total = weights = 0
        scorer = self.scorer
        least = scorer is least_requested
        for name, pod_request, weight, non_zero in entries:
            capacity = allocatable.get(name, 0)
            if capacity == 0:
                continue
            used = (non_zero_requested if non_zero else requested).get(name, 0) + pod_request
            if least:  # least_requested, inlined: this runs for every node of every pod
                value = (capacity - used) * MAX_NODE_SCORE // capacity if used <= capacity else 0
            else:
                value = scorer(used, capacity)
            total += value * weight
            weights += weight
        if weights == 0:
            return 0, SUCCESS
        if self.rounded:
            return round(total / weights), SUCCESS
        return total // weights, SUCCESS


def factory(args: Mapping[str, Any], handle: Any) -> NodeResourcesFit:
    return NodeResourcesFit(structure(args, NodeResourcesFitArgs, "NodeResourcesFitArgs"))


@hookimpl(trylast=True)
def microkube_scheduler_plugins() -> dict[str, Any]:
    return {NAME: factory}
