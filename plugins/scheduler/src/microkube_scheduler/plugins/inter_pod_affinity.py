"""InterPodAffinity: required pod affinity (go where matching pods are), required pod
anti-affinity (stay away from them), existing pods' anti-affinity (do not go where a pod
refuses you), all by topology domain (``topologyKey``); preferred terms — the pod's and the
existing pods' — add or subtract their weights in the score."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from microkube import hookimpl
from microkube.contracts.scheduling import (
    MAX_NODE_SCORE,
    CycleState,
    NodeScore,
    PreFilterResult,
    StateKey,
    Status,
)
from microkube_scheduler.args import structure
from microkube_scheduler.framework import POD_INFO
from microkube_scheduler.plugins.common import SKIP, SUCCESS

NAME = "InterPodAffinity"
AFFINITY_REASON = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY_REASON = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY_REASON = "node(s) didn't satisfy existing pods anti-affinity rules"
_AFFINITY = Status.unschedulable(AFFINITY_REASON, resolvable=False, plugin=NAME)
_ANTI = Status.unschedulable(ANTI_AFFINITY_REASON, plugin=NAME)
_EXISTING = Status.unschedulable(EXISTING_ANTI_AFFINITY_REASON, plugin=NAME)

Pair = tuple[str, str]


@attrs.define
class InterPodAffinityArgs:
    hard_pod_affinity_weight: int = 1
    ignore_preferred_terms_of_existing_pods: bool = False

    def validate(self) -> list[str]:
        if not 0 <= self.hard_pod_affinity_weight <= 100:
            return ["hardPodAffinityWeight: must be in the range [0, 100]"]
        return []


@attrs.define
class _FilterState:
    #: topology key -> the domains (values) where an existing pod's anti-affinity refuses the pod
    existing_anti: dict[str, set[str]]
    affinity: Counter[Pair]
    anti: Counter[Pair]
    #: the pod matches all its own affinity terms (the first pod of a group may go anywhere)
    self_match: bool


_FILTER: StateKey[_FilterState] = StateKey("InterPodAffinity/filter")
_SCORE: StateKey[dict[Pair, int]] = StateKey("InterPodAffinity/score")


class InterPodAffinity:
    name = NAME

    def __init__(self, args: InterPodAffinityArgs, handle: Any) -> None:
        self.args = args
        self.handle = handle

    def _namespace_labels(self, namespace: str) -> Mapping[str, str]:
        lookup = getattr(self.handle, "namespace_labels", None)
        return lookup(namespace) if lookup is not None else {}

    def _placed(self, nodes: Sequence[Any], info: Any) -> Any:
        """(node, existing pod) pairs the pod's required terms may concern: the pods of the
        terms' namespaces from the cache's index when it can, else every pod on ``nodes``."""
        terms = info.required_affinity + info.required_anti_affinity
        lookup = getattr(self.handle, "placed_pods", None)
        if lookup is not None and all(t.namespace_selector is None for t in terms):
            namespaces = frozenset().union(*(t.namespaces for t in terms))
            found = lookup(nodes, namespaces)
            if found is not None:
                return found
        return ((node, existing) for node in nodes for existing in node.pod_infos)

    def _nodes_with_affinity_pods(
        self, nodes: Sequence[Any], *, required_anti_affinity: bool = False
    ) -> Sequence[Any]:
        index = getattr(self.handle, "nodes_with_affinity_pods", None)
        if index is not None:
            return index(nodes, required_anti_affinity=required_anti_affinity)
        if required_anti_affinity:
            return [n for n in nodes if n.pods_with_required_anti_affinity]
        return [n for n in nodes if n.pods_with_affinity]

    # -- filtering ------------------------------------------------------------------------

    def pre_filter(
        self, state: CycleState, pod: Any, nodes: Sequence[Any]
    ) -> tuple[PreFilterResult | None, Status]:
        info = state.read(POD_INFO)
        with_anti = self._nodes_with_affinity_pods(nodes, required_anti_affinity=True)
        if not info.required_affinity and not info.required_anti_affinity and not with_anti:
            return None, SKIP
        ns_labels = self._namespace_labels
        existing_anti: dict[str, set[str]] = {}
        for node in with_anti:
            labels = node.labels
            for existing in node.pods_with_required_anti_affinity:
                for term in existing.required_anti_affinity:
                    value = labels.get(term.topology_key)
                    if value is not None and term.matches(info, ns_labels):
                        existing_anti.setdefault(term.topology_key, set()).add(value)
        affinity: Counter[Pair] = Counter()
        anti: Counter[Pair] = Counter()
        if info.required_affinity or info.required_anti_affinity:
            for node, existing in self._placed(nodes, info):
                labels = node.labels
                for term in info.required_affinity:
                    value = labels.get(term.topology_key)
                    if value is not None and term.matches(existing, ns_labels):
                        affinity[(term.topology_key, value)] += 1
                for term in info.required_anti_affinity:
                    value = labels.get(term.topology_key)
                    if value is not None and term.matches(existing, ns_labels):
                        anti[(term.topology_key, value)] += 1
        self_match = all(term.matches(info, ns_labels) for term in info.required_affinity)
        state.write(_FILTER, _FilterState(existing_anti, affinity, anti, self_match))
        return None, SUCCESS

    def filter(self, state: CycleState, pod: Any, node_info: Any) -> Status:
        found = state.get(_FILTER)
        if found is None:
            self.pre_filter(state, pod, self.handle.node_infos())
            found = state.get(_FILTER)
            if found is None:
                return SUCCESS
        info = state.read(POD_INFO)
        labels = node_info.labels
        if info.required_affinity:
            matched = True
            for term in info.required_affinity:
                value = labels.get(term.topology_key)
                if value is None or found.affinity[(term.topology_key, value)] <= 0:
                    matched = False
                    break
            if not matched:
                # No pod matches anywhere and the pod matches its own terms: it may start the
                # group, on a node that has every topology key.
                if found.affinity or not found.self_match:
                    return _AFFINITY
                if any(term.topology_key not in labels for term in info.required_affinity):
                    return _AFFINITY
        for term in info.required_anti_affinity:
            value = labels.get(term.topology_key)
            if value is not None and found.anti[(term.topology_key, value)] > 0:
                return _ANTI
        for key, values in found.existing_anti.items():
            if labels.get(key) in values:
                return _EXISTING
        return SUCCESS

    # -- scoring --------------------------------------------------------------------------

    def pre_score(self, state: CycleState, pod: Any, nodes: Sequence[Any]) -> Status:
        info = state.read(POD_INFO)
        has_preferred = bool(info.preferred_affinity or info.preferred_anti_affinity)
        all_nodes = self.handle.node_infos()
        with_affinity = self._nodes_with_affinity_pods(all_nodes)
        if not has_preferred and not with_affinity:
            return SKIP
        ns_labels = self._namespace_labels
        hard_weight = self.args.hard_pod_affinity_weight
        use_existing_preferred = not self.args.ignore_preferred_terms_of_existing_pods
        scores: dict[Pair, int] = {}

        def add(term: Any, labels: Mapping[str, str], weight: int) -> None:
            value = labels.get(term.topology_key)
            if value is not None:
                pair = (term.topology_key, value)
                scores[pair] = scores.get(pair, 0) + weight

        for node in all_nodes if has_preferred else with_affinity:
            labels = node.labels
            existing_pods = node.pod_infos if has_preferred else node.pods_with_affinity
            for existing in existing_pods:
                for term in info.preferred_affinity:
                    if term.matches(existing, ns_labels):
                        add(term, labels, term.weight)
                for term in info.preferred_anti_affinity:
                    if term.matches(existing, ns_labels):
                        add(term, labels, -term.weight)
                if hard_weight:
                    for term in existing.required_affinity:
                        if term.matches(info, ns_labels):
                            add(term, labels, hard_weight)
                if use_existing_preferred:
                    for term in existing.preferred_affinity:
                        if term.matches(info, ns_labels):
                            add(term, labels, term.weight)
                    for term in existing.preferred_anti_affinity:
                        if term.matches(info, ns_labels):
                            add(term, labels, -term.weight)
        if not scores:
            return SKIP
        state.write(_SCORE, scores)
        return SUCCESS

    def score(self, state: CycleState, pod: Any, node_info: Any) -> tuple[int, Status]:
        labels = node_info.labels
        total = 0
        for (key, value), weight in state.read(_SCORE).items():
            if labels.get(key) == value:
                total += weight
        return total, SUCCESS

    def normalize_score(self, state: CycleState, pod: Any, scores: list[NodeScore]) -> Status:
        if not scores:
            return SUCCESS
        low = min(s.score for s in scores)
        high = max(s.score for s in scores)
        spread = high - low
        for i, entry in enumerate(scores):
            value = int(MAX_NODE_SCORE * (entry.score - low) / spread) if spread > 0 else 0
            scores[i] = NodeScore(entry.name, value)
        return SUCCESS


def factory(args: Mapping[str, Any], handle: Any) -> InterPodAffinity:
    return InterPodAffinity(structure(args, InterPodAffinityArgs, "InterPodAffinityArgs"), handle)


@hookimpl(trylast=True)
def microkube_scheduler_plugins() -> dict[str, Any]:
    return {NAME: factory}
