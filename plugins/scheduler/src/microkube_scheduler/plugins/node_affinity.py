"""NodeAffinity: ``spec.nodeSelector`` and required node affinity filter nodes (plus the
profile's ``addedAffinity``); preferred node affinity terms add their weights to a node's
score."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from microkube import hookimpl
from microkube.contracts.scheduling import (
    CycleState,
    NodeScore,
    PreFilterResult,
    StateKey,
    Status,
)
from microkube_scheduler.args import ConfigurationError, structure
from microkube_scheduler.plugins.common import SKIP, SUCCESS, default_normalize
from microkube_scheduler.selectors import node_selector_predicate, node_selector_term_predicate

NAME = "NodeAffinity"
REASON = "node(s) didn't match Pod's node affinity/selector"
_REJECT = Status.unschedulable(REASON, resolvable=False, plugin=NAME)

NodePredicate = Callable[[Mapping[str, str], str], bool]
_REQUIRED: StateKey[list[NodePredicate]] = StateKey("NodeAffinity/required")
_PREFERRED: StateKey[list[tuple[int, NodePredicate]]] = StateKey("NodeAffinity/preferred")


@attrs.define
class NodeAffinityArgs:
    added_affinity: dict[str, Any] | None = None


def _required(affinity: Any) -> list[NodePredicate]:
    if affinity is None or affinity.required_during_scheduling_ignored_during_execution is None:
        return []
    return [node_selector_predicate(affinity.required_during_scheduling_ignored_during_execution)]


def _preferred(affinity: Any) -> list[tuple[int, NodePredicate]]:
    if affinity is None:
        return []
    terms = affinity.preferred_during_scheduling_ignored_during_execution or ()
    return [
        (term.weight or 0, node_selector_term_predicate(term.preference))
        for term in terms
        if term.preference is not None and term.weight
    ]


class NodeAffinity:
    name = NAME

    def __init__(self, added: Any = None) -> None:
        self._added_required = _required(added)
        self._added_preferred = _preferred(added)

    def required(self, pod: Any) -> list[NodePredicate]:
        """The pod's hard node constraints, each a predicate on (labels, node name)."""
        checks = list(self._added_required)
        selector = pod.spec.node_selector
        if selector:
            items = tuple(selector.items())
            checks.append(lambda labels, name: all(labels.get(k) == v for k, v in items))
        affinity = pod.spec.affinity
        checks += _required(affinity.node_affinity if affinity else None)
        return checks

    def pre_filter(
        self, state: CycleState, pod: Any, nodes: Sequence[Any]
    ) -> tuple[PreFilterResult | None, Status]:
        checks = self.required(pod)
        if not checks:
            return None, SKIP
        state.write(_REQUIRED, checks)
        return None, SUCCESS

    def filter(self, state: CycleState, pod: Any, node_info: Any) -> Status:
        checks = state.get(_REQUIRED)
        if checks is None:
            checks = self.required(pod)
        labels, name = node_info.labels, node_info.name
        for check in checks:
            if not check(labels, name):
                return _REJECT
        return SUCCESS

    def pre_score(self, state: CycleState, pod: Any, nodes: Sequence[Any]) -> Status:
        affinity = pod.spec.affinity
        preferred = self._added_preferred + _preferred(affinity.node_affinity if affinity else None)
        if not preferred:
            return SKIP
        state.write(_PREFERRED, preferred)
        return SUCCESS

    def score(self, state: CycleState, pod: Any, node_info: Any) -> tuple[int, Status]:
        labels, name = node_info.labels, node_info.name
        total = sum(weight for weight, matches in state.read(_PREFERRED) if matches(labels, name))
        return total, SUCCESS

    def normalize_score(self, state: CycleState, pod: Any, scores: list[NodeScore]) -> Status:
        return default_normalize(scores)


def factory(args: Mapping[str, Any], handle: Any) -> NodeAffinity:
    parsed = structure(args, NodeAffinityArgs, "NodeAffinityArgs")
    added = None
    if parsed.added_affinity is not None:
        from microkube.api import StructureError, from_dict
        from microkube.api.core_v1 import NodeAffinity as NodeAffinityModel

        try:
            added = from_dict(parsed.added_affinity, NodeAffinityModel)
        except StructureError as exc:
            raise ConfigurationError(f"NodeAffinityArgs.addedAffinity: {exc}") from None
    return NodeAffinity(added)


@hookimpl(trylast=True)
def microkube_scheduler_plugins() -> dict[str, Any]:
    return {NAME: factory}
