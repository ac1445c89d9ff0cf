"""PodTopologySpread: keep matching pods spread across topology domains (zones, nodes, ...)
within ``maxSkew``. ``DoNotSchedule`` constraints filter nodes; ``ScheduleAnyway`` ones score
them. Pods without constraints get the cluster defaults (``defaultingType: System``: by
hostname maxSkew 3 and by zone maxSkew 5, both ScheduleAnyway) when a Service, ReplicaSet,
StatefulSet or ReplicationController selects them."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
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
from microkube_scheduler.args import ConfigurationError, structure
from microkube_scheduler.framework import POD_INFO
from microkube_scheduler.plugins.common import SKIP, SUCCESS
from microkube_scheduler.selectors import (
    label_selector_predicate,
    node_selector_predicate,
    untolerated_taint,
)

NAME = "PodTopologySpread"
REASON = "node(s) didn't match pod topology spread constraints"
MISSING_LABEL_REASON = (
    "node(s) didn't match pod topology spread constraints (missing required label)"
)
_SKEW = Status.unschedulable(REASON, plugin=NAME)
_MISSING = Status.unschedulable(MISSING_LABEL_REASON, resolvable=False, plugin=NAME)
HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
DO_NOT_SCHEDULE = "DoNotSchedule"
SCHEDULE_ANYWAY = "ScheduleAnyway"
DO_NOT_SCHEDULE_EFFECTS = frozenset({"NoSchedule", "NoExecute"})


@attrs.define
class DefaultConstraint:
    max_skew: int
    topology_key: str
    when_unsatisfiable: str


SYSTEM_DEFAULTS = (
    DefaultConstraint(3, HOSTNAME, SCHEDULE_ANYWAY),
    DefaultConstraint(5, ZONE, SCHEDULE_ANYWAY),
)


@attrs.define
class PodTopologySpreadArgs:
    default_constraints: list[DefaultConstraint] = attrs.Factory(list)
    defaulting_type: str = "System"

    def validate(self) -> list[str]:
        problems = []
        if self.defaulting_type not in ("System", "List"):
            problems.append(
                f"defaultingType: Unsupported value: {self.defaulting_type!r}: "
                "supported values: 'System', 'List'"
            )
        if self.defaulting_type == "System" and self.default_constraints:
            problems.append("defaultConstraints: must be empty when defaultingType is System")
        for i, c in enumerate(self.default_constraints):
            if c.max_skew <= 0:
                problems.append(f"defaultConstraints[{i}].maxSkew: must be greater than zero")
            if not c.topology_key:
                problems.append(f"defaultConstraints[{i}].topologyKey: Required value")
            if c.when_unsatisfiable not in (DO_NOT_SCHEDULE, SCHEDULE_ANYWAY):
                problems.append(
                    f"defaultConstraints[{i}].whenUnsatisfiable: Unsupported value: "
                    f"{c.when_unsatisfiable!r}"
                )
        return problems


class Constraint:
    """One spread constraint resolved for a pod."""

    __slots__ = (
        "hard",
        "honor_affinity",
        "honor_taints",
        "max_skew",
        "min_domains",
        "selector",
        "topology_key",
    )

    def __init__(
        self,
        max_skew: int,
        topology_key: str,
        hard: bool,
        selector: Callable[[Mapping[str, str]], bool],
        min_domains: int = 1,
        honor_affinity: bool = True,
        honor_taints: bool = False,
    ) -> None:
        self.max_skew = max_skew
        self.topology_key = topology_key
        self.hard = hard
        self.selector = selector
        self.min_domains = min_domains
        self.honor_affinity = honor_affinity
        self.honor_taints = honor_taints


@attrs.define
class _Counts:
    constraints: list[Constraint]
    #: (topology key, value) -> matching pods in that domain
    pairs: Counter[tuple[str, str]]
    #: per constraint: the smallest count among its domains
    minimum: list[int]
    #: per constraint: (topology key, the most matching pods a domain may hold for the pod to
    #: go there: maxSkew + minimum - 1 if the pod matches its own selector)
    limits: list[tuple[str, int]] = attrs.Factory(list)


_FILTER: StateKey[_Counts] = StateKey("PodTopologySpread/filter")
_SCORE: StateKey[tuple[list[Constraint], Counter[tuple[str, str]], list[float], set[str]]] = (
    StateKey("PodTopologySpread/score")
)


def _count_on(node: Any, selector: Callable[[Mapping[str, str]], bool], namespace: str) -> int:
    return sum(
        1
        for p in node.pod_infos
        if p.namespace == namespace
        and p.pod.metadata.deletion_timestamp is None
        and selector(p.labels)
    )


class PodTopologySpread:
    name = NAME

    def __init__(self, args: PodTopologySpreadArgs, handle: Any) -> None:
        self.handle = handle
        self.defaults = (
            list(SYSTEM_DEFAULTS) if args.defaulting_type == "System" else args.default_constraints
        )

    def constraints(self, pod: Any, info: Any) -> list[Constraint]:
        """The pod's own constraints, or the defaults when it has none."""
        own = pod.spec.topology_spread_constraints or ()
        found = []
        labels = info.labels
        for c in own:
            selector = c.label_selector
            base = label_selector_predicate(selector)
            keys = [(k, labels[k]) for k in c.match_label_keys or () if k in labels]
            if keys and selector is not None:
                pinned = tuple(keys)

                def check(
                    values: Mapping[str, str], base: Any = base, pinned: Any = pinned
                ) -> bool:
                    return all(values.get(k) == v for k, v in pinned) and base(values)

                predicate = check
            else:
                predicate = base
            found.append(
                Constraint(
                    c.max_skew or 1,
                    c.topology_key or "",
                    (c.when_unsatisfiable or DO_NOT_SCHEDULE) == DO_NOT_SCHEDULE,
                    predicate,
                    c.min_domains or 1,
                    (c.node_affinity_policy or "Honor") == "Honor",
                    (c.node_taints_policy or "Ignore") == "Honor",
                )
            )
        if own or not self.defaults:
            return found
        default_selector = getattr(self.handle, "default_selector", None)
        selector = default_selector(info) if default_selector is not None else None
        if selector is None:
            return []
        return [
            Constraint(
                d.max_skew, d.topology_key, d.when_unsatisfiable == DO_NOT_SCHEDULE, selector
            )
            for d in self.defaults
        ]

    def _eligible(self, pod: Any) -> Callable[[Any, Constraint], bool]:
        """Which nodes count toward a constraint (nodeAffinityPolicy/nodeTaintsPolicy)."""
        spec = pod.spec
        selector = spec.node_selector or {}
        affinity = spec.affinity.node_affinity if spec.affinity else None
        required = (
            affinity.required_during_scheduling_ignored_during_execution if affinity else None
        )
        matches_required = node_selector_predicate(required) if required is not None else None
        tolerations = spec.tolerations or ()

        def eligible(node: Any, constraint: Constraint) -> bool:
            if constraint.honor_affinity:
                labels = node.labels
                if any(labels.get(k) != v for k, v in selector.items()):
                    return False
                if matches_required is not None and not matches_required(labels, node.name):
                    return False
            return not (
                constraint.honor_taints
                and untolerated_taint(node.taints, tolerations, DO_NOT_SCHEDULE_EFFECTS)
            )

        return eligible

    def _count(
        self,
        pod: Any,
        namespace: str,
        constraints: list[Constraint],
        nodes: Sequence[Any],
    ) -> tuple[Counter[tuple[str, str]], dict[str, set[str]]]:
        fast = self._count_from_index(pod, namespace, constraints, nodes)
        if fast is not None:
            return fast
        eligible = self._eligible(pod)
        pairs: Counter[tuple[str, str]] = Counter()
        domains: dict[str, set[str]] = {c.topology_key: set() for c in constraints}
        keys = [c.topology_key for c in constraints]
        for node in nodes:
            labels = node.labels
            if any(key not in labels for key in keys):
                continue
            for c in constraints:
                if not eligible(node, c):
                    continue
                value = labels[c.topology_key]
                domains[c.topology_key].add(value)
                pairs[(c.topology_key, value)] += _count_on(node, c.selector, namespace)
        return pairs, domains

    def _count_from_index(
        self, pod: Any, namespace: str, constraints: list[Constraint], nodes: Sequence[Any]
    ) -> tuple[Counter[tuple[str, str]], dict[str, set[str]]] | None:
        """:meth:`_count` from the cache's indexes (pods by namespace, nodes by label) when
        every node carrying the keys is eligible; None when a scan is needed."""
        spec = pod.spec
        affinity = spec.affinity.node_affinity if spec.affinity else None
        restricted = bool(spec.node_selector) or (
            affinity is not None
            and affinity.required_during_scheduling_ignored_during_execution is not None
        )
        if any(c.honor_taints or (restricted and c.honor_affinity) for c in constraints):
            return None
        domains_lookup = getattr(self.handle, "topology_domains", None)
        placed_lookup = getattr(self.handle, "placed_pods", None)
        if domains_lookup is None or placed_lookup is None:
            return None
        found = domains_lookup(nodes, [c.topology_key for c in constraints])
        placed = placed_lookup(nodes, frozenset({namespace}))
        if found is None or placed is None:
            return None
        qualified, domains = found
        pairs: Counter[tuple[str, str]] = Counter()
        for node, existing in placed:
            if existing.pod.metadata.deletion_timestamp is not None:
                continue
            if qualified is not None and node.name not in qualified:
                continue
            labels = node.labels
            for c in constraints:
                value = labels.get(c.topology_key)
                if value is not None and c.selector(existing.labels):
                    pairs[(c.topology_key, value)] += 1
        return pairs, {c.topology_key: domains[c.topology_key] for c in constraints}

    # -- filtering ------------------------------------------------------------------------

    def pre_filter(
        self, state: CycleState, pod: Any, nodes: Sequence[Any]
    ) -> tuple[PreFilterResult | None, Status]:
        info = state.read(POD_INFO)
        hard = [c for c in self.constraints(pod, info) if c.hard]
        if not hard:
            return None, SKIP
        pairs, domains = self._count(pod, info.namespace, hard, nodes)
        minimum = []
        for c in hard:
            values = domains[c.topology_key]
            if len(values) < c.min_domains:
                minimum.append(0)
            else:
                minimum.append(min((pairs[(c.topology_key, v)] for v in values), default=0))
        info_labels = info.labels
        limits = [
            (c.topology_key, c.max_skew + low - (1 if c.selector(info_labels) else 0))
            for c, low in zip(hard, minimum, strict=True)
        ]
        state.write(_FILTER, _Counts(hard, pairs, minimum, limits))
        return None, SUCCESS

    def filter(self, state: CycleState, pod: Any, node_info: Any) -> Status:
        counts = state.get(_FILTER)
        if counts is None:
            return SUCCESS
        labels = node_info.labels
        pairs = counts.pairs
        for key, limit in counts.limits:
            value = labels.get(key)
            if value is None:
                return _MISSING
            if pairs.get((key, value), 0) > limit:  # skew = count + self - minimum > maxSkew
                return _SKEW
        return SUCCESS

    # -- scoring --------------------------------------------------------------------------

    def pre_score(self, state: CycleState, pod: Any, nodes: Sequence[Any]) -> Status:
        info = state.read(POD_INFO)
        soft = [c for c in self.constraints(pod, info) if not c.hard]
        if not soft:
            return SKIP
        keys = [c.topology_key for c in soft]
        ignored = {n.name for n in nodes if any(k not in n.labels for k in keys)}
        counted_values: dict[str, set[str]] = {k: set() for k in keys}
        for node in nodes:
            if node.name not in ignored:
                for k in keys:
                    counted_values[k].add(node.labels[k])
        pairs, _ = self._count(pod, info.namespace, soft, self.handle.node_infos())
        weights = []
        for c in soft:
            size = len(counted_values[c.topology_key])
            if c.topology_key == HOSTNAME:
                size = len(nodes) - len(ignored)
            weights.append(math.log(size + 2))
        state.write(_SCORE, (soft, pairs, weights, ignored))
        return SUCCESS

    def score(self, state: CycleState, pod: Any, node_info: Any) -> tuple[int, Status]:
        soft, pairs, weights, ignored = state.read(_SCORE)
        if node_info.name in ignored:
            return 0, SUCCESS
        namespace = pod.metadata.namespace
        labels = node_info.labels
        total = 0.0
        for c, weight in zip(soft, weights, strict=True):
            value = labels.get(c.topology_key)
            if value is None:
                continue
            if c.topology_key == HOSTNAME:
                count = _count_on(node_info, c.selector, namespace)
            else:
                count = pairs[(c.topology_key, value)]
            total += count * weight + (c.max_skew - 1)
        return round(total), SUCCESS

    def normalize_score(self, state: CycleState, pod: Any, scores: list[NodeScore]) -> Status:
        found = state.get(_SCORE)
        ignored = found[3] if found else set()
        valid = [s.score for s in scores if s.name not in ignored]
        if not valid:
            scores[:] = [NodeScore(s.name, 0) for s in scores]
            return SUCCESS
        low, high = min(valid), max(valid)
        for i, entry in enumerate(scores):
            if entry.name in ignored:
                value = 0
            elif high == 0:
                value = MAX_NODE_SCORE
            else:
                value = MAX_NODE_SCORE * (high + low - entry.score) // high
            scores[i] = NodeScore(entry.name, value)
        return SUCCESS


def factory(args: Mapping[str, Any], handle: Any) -> PodTopologySpread:
    parsed = structure(args, PodTopologySpreadArgs, "PodTopologySpreadArgs")
    if not isinstance(parsed.default_constraints, list):
        raise ConfigurationError("PodTopologySpreadArgs.defaultConstraints: expected a list")
    return PodTopologySpread(parsed, handle)


@hookimpl(trylast=True)
def microkube_scheduler_plugins() -> dict[str, Any]:
    return {NAME: factory}
