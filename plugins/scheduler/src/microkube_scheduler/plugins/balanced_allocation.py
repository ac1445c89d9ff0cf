"""NodeResourcesBalancedAllocation: prefer nodes whose resources would be used evenly (the
fractions of cpu and memory requested close to each other) once the pod is placed."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from microkube import hookimpl
from microkube.contracts.scheduling import MAX_NODE_SCORE, CycleState, StateKey, Status
from microkube_scheduler.args import structure
from microkube_scheduler.framework import POD_INFO
from microkube_scheduler.plugins.common import SUCCESS
from microkube_scheduler.resources import CPU, MEMORY

NAME = "NodeResourcesBalancedAllocation"
_REQUESTS: StateKey[tuple[tuple[str, int], ...]] = StateKey("BalancedAllocation/requests")


@attrs.define
class ResourceSpec:
    name: str
    weight: int = 1


@attrs.define
class NodeResourcesBalancedAllocationArgs:
    resources: list[ResourceSpec] = attrs.Factory(
        lambda: [ResourceSpec(CPU, 1), ResourceSpec(MEMORY, 1)]
    )

    def validate(self) -> list[str]:
        return [
            f"resources[{i}].weight: must be 1 (balanced allocation ignores weights)"
            for i, r in enumerate(self.resources)
            if r.weight != 1
        ]


class BalancedAllocation:
    name = NAME

    def __init__(self, args: NodeResourcesBalancedAllocationArgs) -> None:
        self.resources = [r.name for r in args.resources]
        self._state: CycleState | None = None
        self._entries: tuple[tuple[str, int], ...] = ()

    def pre_score(self, state: CycleState, pod: Any, nodes: Sequence[Any]) -> Status:
        requests = state.read(POD_INFO).requests
        state.write(_REQUESTS, tuple((name, requests.get(name, 0)) for name in self.resources))
        return SUCCESS

    def score_nodes(self, state: CycleState, pod: Any, nodes: Sequence[Any]) -> list[int]:
        """:meth:`score` for many nodes at once; two resources (the default) without a call
        per node."""
        entries = self._entries_for(state, pod)
        if len(entries) != 2:
            return [self.score(state, pod, node)[0] for node in nodes]
        (name1, req1), (name2, req2) = entries
        top = MAX_NODE_SCORE
        out = []
        for node in nodes:
            allocatable, requested = node.allocatable, node.requested
            cap1 = allocatable.get(name1, 0)
            cap2 = allocatable.get(name2, 0)
            if cap1 and cap2:
                f1 = (requested.get(name1, 0) + req1) / cap1
                f2 = (requested.get(name2, 0) + req2) / cap2
                if f1 > 1.0:
                    f1 = 1.0
                if f2 > 1.0:
                    f2 = 1.0
                out.append(int((1 - abs(f1 - f2) / 2) * top))
            else:
                out.append(top)  # at most one fraction: no spread
        return out

    def _entries_for(self, state: CycleState, pod: Any) -> tuple[tuple[str, int], ...]:
        # The hot path: the last cycle's state is remembered, saving a lookup per node.
        if state is not self._state:
            entries = state.get(_REQUESTS)
            if entries is None:
                self.pre_score(state, pod, ())
                entries = state.read(_REQUESTS)
            self._state, self._entries = state, entries
        return self._entries

    def score(self, state: CycleState, pod: Any, node_info: Any) -> tuple[int, Status]:
        entries = self._entries_for(state, pod)
        allocatable, requested = node_info.allocatable, node_info.requested
        fractions = []
        for name, pod_request in entries:
            capacity = allocatable.get(name, 0)
            if capacity:
                fraction = (requested.get(name, 0) + pod_request) / capacity
                fractions.append(fraction if fraction < 1.0 else 1.0)
        if len(fractions) == 2:
            std = abs(fractions[0] - fractions[1]) / 2
        elif len(fractions) > 2:
            mean = sum(fractions) / len(fractions)
            std = math.sqrt(sum((f - mean) ** 2 for f in fractions) / len(fractions))
        else:
            std = 0.0
        return int((1 - std) * MAX_NODE_SCORE), SUCCESS


def factory(args: Mapping[str, Any], handle: Any) -> BalancedAllocation:
    parsed = structure(
        args, NodeResourcesBalancedAllocationArgs, "NodeResourcesBalancedAllocationArgs"
    )
    return BalancedAllocation(parsed)


@hookimpl(trylast=True)
def microkube_scheduler_plugins() -> dict[str, Any]:
    return {NAME: factory}
