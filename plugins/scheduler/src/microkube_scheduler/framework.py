"""One scheduler profile's framework: its plugins per extension point, their weights, and
the runs of each extension point (kube-scheduler's ``frameworkImpl``).

Filter and Score are the hot path: the framework calls bound methods in a flat loop (or a
plugin's batch ``score_nodes(state, pod, nodes) -> list[int]`` when it offers one, which must
give what ``score`` gives node by node, without a Python call per node), stops
searching once ``numFeasibleNodesToFind`` nodes fit (``percentageOfNodesToScore``, adaptive by
default as upstream), rotates the starting node between pods, and skips the plugins whose
PreFilter/PreScore returned SKIP for this pod.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from microkube.contracts.scheduling import (
    MAX_NODE_SCORE,
    MIN_NODE_SCORE,
    SUCCESS,
    BindPlugin,
    Code,
    CycleState,
    FilterPlugin,
    NodeScore,
    NormalizeScorePlugin,
    PermitPlugin,
    PostBindPlugin,
    PostFilterPlugin,
    PostFilterResult,
    PreBindPlugin,
    PreFilterPlugin,
    PreScorePlugin,
    ReservePlugin,
    ScorePlugin,
    StateKey,
    Status,
)
from microkube_scheduler.args import ConfigurationError
from microkube_scheduler.config import Profile
from microkube_scheduler.fit_error import FitError
from microkube_scheduler.nodeinfo import NodeInfo
from microkube_scheduler.podinfo import PodInfo

#: The default profile's plugins and score weights (kube-scheduler v1 ``multiPoint``).
DEFAULT_PLUGINS: tuple[tuple[str, int], ...] = (
    ("NodeUnschedulable", 0),
    ("NodeName", 0),
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodePorts", 0),
    ("NodeResourcesFit", 1),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DefaultPreemption", 0),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
    ("DefaultBinder", 0),
)

#: Extension point (configuration name) -> the Protocol a plugin implements for it.
POINT_PROTOCOLS: dict[str, type] = {
    "preFilter": PreFilterPlugin,
    "filter": FilterPlugin,
    "postFilter": PostFilterPlugin,
    "preScore": PreScorePlugin,
    "score": ScorePlugin,
    "reserve": ReservePlugin,
    "permit": PermitPlugin,
    "preBind": PreBindPlugin,
    "bind": BindPlugin,
    "postBind": PostBindPlugin,
}

#: The PodInfo of the pod being scheduled (precomputed requests, terms, ...).
POD_INFO: StateKey[PodInfo] = StateKey("microkube.scheduler/pod-info")

_NARROWED_BY: StateKey[list[str]] = StateKey("microkube.scheduler/narrowed-by")

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5


def num_feasible_nodes_to_find(percentage: int | None, num_all_nodes: int) -> int:
    """Upstream's ``numFeasibleNodesToFind``: all nodes below 100; else ``percentage`` of
    them (0/None: ``50 - nodes/125``, at least 5%), at least 100."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    if not percentage:
        percentage = max(50 - num_all_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    if percentage >= 100:
        return num_all_nodes
    return max(num_all_nodes * percentage // 100, MIN_FEASIBLE_NODES_TO_FIND)


@attrs.define
class ScheduleResult:
    node_name: str
    evaluated_nodes: int
    feasible_nodes: int


def named_status(status: Status, name: str) -> Status:
    """``status`` naming the plugin that returned it (kept if it names one already)."""
    return status if status.plugin else Status(status.code, status.reasons, name)


class Framework:
    """The runnable form of one profile."""

    def __init__(
        self,
        profile_name: str,
        plugins: Mapping[str, Any],
        points: Mapping[str, Sequence[Any]],
        weights: Mapping[str, int],
        handle: Any,
        percentage_of_nodes_to_score: int | None = None,
    ) -> None:
        self.profile_name = profile_name
        self.plugins = dict(plugins)
        self.points = {point: list(points.get(point, ())) for point in POINT_PROTOCOLS}
        self.weights = dict(weights)
        self.handle = handle
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self._next_start = 0
        #: a :class:`~microkube_scheduler.metrics.Metrics` to record filter/score durations in
        self.metrics: Any = None
        self._filters = [(p.name, p.filter) for p in self.points["filter"]]
        #: (name, score, the batch form ``score_nodes`` when the plugin offers it, normalizer)
        self._scores = [
            (
                p.name,
                p.score,
                getattr(p, "score_nodes", None),
                p if isinstance(p, NormalizeScorePlugin) else None,
            )
            for p in self.points["score"]
        ]

    # -- building -------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        profile: Profile,
        factories: Mapping[str, Any],
        handle: Any,
        percentage_of_nodes_to_score: int | None = None,
    ) -> Framework:
        """Instantiate ``profile``'s plugins from ``factories`` (name -> factory(args, handle));
        ConfigurationError naming the profile for an unknown plugin or bad arguments."""
        where = f"profile {profile.scheduler_name!r}"
        plugins_config = profile.plugins
        multi: list[tuple[str, int]] = []
        disabled_multi = {ref.name for ref in plugins_config.multi_point.disabled}
        if "*" not in disabled_multi:
            multi = [(n, w) for n, w in DEFAULT_PLUGINS if n not in disabled_multi]
        for ref in plugins_config.multi_point.enabled:
            multi = [(n, w) for n, w in multi if n != ref.name]
            multi.append((ref.name, ref.weight))
        wanted: dict[str, None] = dict.fromkeys(n for n, _ in multi)
        for point in POINT_PROTOCOLS:
            for ref in _point_set(plugins_config, point).enabled:
                wanted.setdefault(ref.name)
        instances: dict[str, Any] = {}
        for name in wanted:
            factory = factories.get(name)
            if factory is None:
                raise ConfigurationError(
                    f"{where}: scheduling plugin {name!r} is not installed "
                    f"(installed: {', '.join(sorted(factories)) or 'none'})"
                )
            try:
                plugin = factory(profile.args_for(name), handle)
            except ConfigurationError as exc:
                raise ConfigurationError(f"{where}: {exc}") from None
            instances[name] = plugin
        for entry in profile.plugin_config:
            if entry.name not in instances:
                raise ConfigurationError(
                    f"{where}: pluginConfig for {entry.name!r}, which the profile does not enable"
                )
        multi_weight = dict(multi)
        points: dict[str, list[Any]] = {}
        weights: dict[str, int] = {}
        for point, protocol in POINT_PROTOCOLS.items():
            chosen = _point_set(plugins_config, point)
            disabled = {ref.name for ref in chosen.disabled}
            order: dict[str, int] = {}
            for ref in chosen.enabled:
                if not isinstance(instances[ref.name], protocol):
                    raise ConfigurationError(
                        f"{where}: plugin {ref.name!r} does not implement the {point} "
                        "extension point"
                    )
                order[ref.name] = ref.weight
            if "*" not in disabled:
                for name, weight in multi:
                    if name in disabled or name in order:
                        continue
                    if isinstance(instances[name], protocol):
                        order[name] = weight
            points[point] = [instances[name] for name in order]
            if point == "score":
                for name, weight in order.items():
                    weights[name] = weight or multi_weight.get(name) or 1
        if not points["bind"]:
            raise ConfigurationError(f"{where}: at least one bind plugin is needed")
        framework = cls(
            profile.scheduler_name,
            instances,
            points,
            weights,
            handle,
            profile.percentage_of_nodes_to_score
            if profile.percentage_of_nodes_to_score is not None
            else percentage_of_nodes_to_score,
        )
        return framework

    def plugin_names(self, point: str) -> list[str]:
        return [p.name for p in self.points[point]]

    def filters(self) -> list[tuple[str, Any]]:
        """(plugin name, its bound ``filter``) in order."""
        return list(self._filters)

    # -- the scheduling cycle ---------------------------------------------------------------

    def run_pre_filter(
        self, state: CycleState, pod: Any, nodes: Sequence[NodeInfo]
    ) -> tuple[frozenset[str] | None, Status]:
        """Run PreFilter; the node names to keep (None: all) and the first rejection."""
        allowed: frozenset[str] | None = None
        narrowed_by: list[str] = []
        for plugin in self.points["preFilter"]:
            result, status = plugin.pre_filter(state, pod, nodes)
            if status.code == Code.SKIP:
                state.skip_filter_plugins.add(plugin.name)
                continue
            if not status.is_success():
                return None, named_status(status, plugin.name)
            if result is not None and result.node_names is not None:
                allowed = result.node_names if allowed is None else allowed & result.node_names
                narrowed_by.append(plugin.name)
                if not allowed:
                    return None, Status.unschedulable(
                        f"node(s) didn't satisfy plugin(s) [{', '.join(narrowed_by)}] "
                        "simultaneously",
                        resolvable=False,
                        plugin=plugin.name,
                    )
        if narrowed_by:
            state.write(_NARROWED_BY, narrowed_by)
        return allowed, SUCCESS

    def run_filter(self, state: CycleState, pod: Any, node: NodeInfo) -> Status:
        """Every enabled Filter on one node; the first rejection (named) or SUCCESS."""
        skip = state.skip_filter_plugins
        for name, check in self._filters:
            if name in skip:
                continue
            status = check(state, pod, node)
            if status.code:
                return named_status(status, name)
        return SUCCESS

    def run_filter_with_nominated(
        self, state: CycleState, pod: Any, info: PodInfo, node: NodeInfo
    ) -> Status:
        """As upstream: when pods of equal or higher priority are nominated to ``node``, the
        pod must fit with them there, and without them."""
        nominator = getattr(self.handle, "nominator", None)
        if nominator:
            nominated = [
                p
                for p in nominator.on_node(node.name)
                if p.key != info.key and p.priority >= info.priority
            ]
            if nominated:
                crowded = node.clone()
                for other in nominated:
                    crowded.add_pod(other)
                status = self.run_filter(state, pod, crowded)
                if status.code:
                    return status
        return self.run_filter(state, pod, node)

    def find_feasible(
        self,
        state: CycleState,
        pod: Any,
        info: PodInfo,
        nodes: Sequence[NodeInfo],
        *,
        find_all: bool = False,
    ) -> tuple[list[NodeInfo], dict[str, Status]]:
        """Filter nodes from the rotating start until enough fit (or all, ``find_all``)."""
        statuses: dict[str, Status] = {}
        feasible: list[NodeInfo] = []
        total = len(nodes)
        if total == 0:
            return feasible, statuses
        want = (
            total
            if find_all
            else num_feasible_nodes_to_find(self.percentage_of_nodes_to_score, total)
        )
        skip = state.skip_filter_plugins
        filters = [(name, check) for name, check in self._filters if name not in skip]
        nominator = getattr(self.handle, "nominator", None)
        start = 0 if find_all else self._next_start % total
        processed = 0
        for offset in range(total):
            node = nodes[(start + offset) % total]
            processed += 1
            if nominator:
                status = self.run_filter_with_nominated(state, pod, info, node)
                if status.code:
                    statuses[node.name] = status
                    continue
            else:
                for name, check in filters:
                    status = check(state, pod, node)
                    if status.code:
                        statuses[node.name] = named_status(status, name)
                        break
                else:
                    status = SUCCESS
                if status.code:
                    continue
            feasible.append(node)
            if len(feasible) >= want:
                break
        if not find_all:
            self._next_start = (start + processed) % total
        return feasible, statuses

    async def run_post_filter(
        self, state: CycleState, pod: Any, statuses: Mapping[str, Status]
    ) -> tuple[PostFilterResult | None, Status]:
        """PostFilter plugins in order until one succeeds (or errors)."""
        messages = []
        for plugin in self.points["postFilter"]:
            result, status = await plugin.post_filter(state, pod, statuses)
            if status.is_success() or status.code == Code.ERROR:
                return result, named_status(status, plugin.name)
            if status.message():
                messages.append(status.message())
        return None, Status.unschedulable(*messages) if messages else Status.unschedulable()

    def run_pre_score(self, state: CycleState, pod: Any, nodes: Sequence[NodeInfo]) -> Status:
        for plugin in self.points["preScore"]:
            status = plugin.pre_score(state, pod, nodes)
            if status.code == Code.SKIP:
                state.skip_score_plugins.add(plugin.name)
            elif not status.is_success():
                return named_status(status, plugin.name)
        return SUCCESS

    def run_score(
        self, state: CycleState, pod: Any, nodes: Sequence[NodeInfo]
    ) -> tuple[list[int], dict[str, list[int]]]:
        """Weighted totals per node (in ``nodes`` order) and each plugin's normalized scores.
        Raises RuntimeError naming the plugin on an error status or an out-of-range score."""
        totals = [0] * len(nodes)
        per_plugin: dict[str, list[int]] = {}
        skip = state.skip_score_plugins
        for name, score, score_nodes, normalizer in self._scores:
            if name in skip:
                continue
            if score_nodes is not None:
                values = score_nodes(state, pod, nodes)
            else:
                results = [score(state, pod, node) for node in nodes]
                for node, (_, status) in zip(nodes, results, strict=True):
                    if status.code:
                        raise RuntimeError(
                            f"plugin {name!r} failed to score {node.name}: {status.message()}"
                        )
                values = [value for value, _ in results]
            if normalizer is not None:
                listed = [
                    NodeScore(node.name, value) for node, value in zip(nodes, values, strict=True)
                ]
                status = normalizer.normalize_score(state, pod, listed)
                if status.code:
                    raise RuntimeError(f"plugin {name!r} failed to normalize: {status.message()}")
                values = [entry.score for entry in listed]
            weight = self.weights.get(name, 1)
            if values and not (min(values) >= MIN_NODE_SCORE and max(values) <= MAX_NODE_SCORE):
                value = next(v for v in values if not MIN_NODE_SCORE <= v <= MAX_NODE_SCORE)
                raise RuntimeError(
                    f"plugin {name!r} returns an invalid score {value}, it should in the "
                    f"range of [{MIN_NODE_SCORE}, {MAX_NODE_SCORE}] after normalizing"
                )
            totals = [total + value * weight for total, value in zip(totals, values, strict=True)]
            per_plugin[name] = values
        return totals, per_plugin

    def schedule(
        self, state: CycleState, pod: Any, info: PodInfo, nodes: Sequence[NodeInfo]
    ) -> ScheduleResult:
        """PreFilter, Filter, PreScore, Score and the choice of a node; FitError if none fits.
        Synchronous: the cache does not change under it."""
        state.write(POD_INFO, info)
        if not nodes:
            raise FitError(0, {})
        allowed, status = self.run_pre_filter(state, pod, nodes)
        if not status.is_success():
            if status.code == Code.ERROR:
                raise RuntimeError(
                    f"running PreFilter plugin {status.plugin!r}: {status.message()}"
                )
            raise FitError(
                len(nodes),
                dict.fromkeys((n.name for n in nodes), status),
                status.message(),
                frozenset({status.plugin}),
            )
        candidates = nodes
        absent: dict[str, Status] = {}
        if allowed is not None:
            candidates = [n for n in nodes if n.name in allowed]
            names = ", ".join(state.get(_NARROWED_BY) or ())
            rejected = Status.unschedulable(
                f"node(s) didn't satisfy plugin(s) [{names}]", resolvable=False
            )
            absent = {n.name: rejected for n in nodes if n.name not in allowed}
        nominated = self._nominated_first(state, pod, info)
        if nominated is not None:
            return nominated
        started = time.thread_time()
        feasible, statuses = self.find_feasible(state, pod, info, candidates)
        filtered = time.thread_time()
        metrics = self.metrics
        if metrics is not None and metrics.enabled:
            metrics.filter.append(filtered - started)
        for found in statuses.values():
            if found.code == Code.ERROR:
                raise RuntimeError(f"running Filter plugin {found.plugin!r}: {found.message()}")
        if not feasible:
            statuses.update(absent)
            raise FitError(len(nodes), statuses)
        evaluated = len(feasible) + len(statuses) + len(absent)
        if len(feasible) == 1:
            return ScheduleResult(feasible[0].name, evaluated, 1)
        status = self.run_pre_score(state, pod, feasible)
        if not status.is_success():
            raise RuntimeError(f"running PreScore plugin {status.plugin!r}: {status.message()}")
        totals, _ = self.run_score(state, pod, feasible)
        if metrics is not None and metrics.enabled:
            metrics.score.append(time.thread_time() - filtered)
        return ScheduleResult(select_host(feasible, totals), evaluated, len(feasible))

    def _nominated_first(self, state: CycleState, pod: Any, info: PodInfo) -> ScheduleResult | None:
        """A pod that preempted goes to its nominated node if it now fits there."""
        nominated = (pod.status.nominated_node_name if pod.status is not None else None) or ""
        if not nominated:
            return None
        node = self.handle.get_node_info(nominated)
        if node is None:
            return None
        if self.run_filter_with_nominated(state, pod, info, node).is_success():
            return ScheduleResult(nominated, 1, 1)
        return None

    # -- reserve and permit -----------------------------------------------------------------

    def run_reserve(self, state: CycleState, pod: Any, node_name: str) -> Status:
        for plugin in self.points["reserve"]:
            status = plugin.reserve(state, pod, node_name)
            if not status.is_success():
                return named_status(status, plugin.name)
        return SUCCESS

    def run_unreserve(self, state: CycleState, pod: Any, node_name: str) -> None:
        for plugin in reversed(self.points["reserve"]):
            plugin.unreserve(state, pod, node_name)

    async def run_permit(self, state: CycleState, pod: Any, node_name: str) -> Status:
        """Permit plugins; a WAIT waits (for the longest asked) until every waiting plugin
        allows through ``handle.waiting_pods``, or rejects on timeout."""
        waits: dict[str, float] = {}
        for plugin in self.points["permit"]:
            status, seconds = await plugin.permit(state, pod, node_name)
            if status.code == Code.WAIT:
                waits[plugin.name] = seconds
            elif not status.is_success():
                return named_status(status, plugin.name)
        if not waits:
            return SUCCESS
        waiting = self.handle.waiting_pods.add(pod, node_name, waits)
        try:
            return await waiting.wait()
        finally:
            self.handle.waiting_pods.remove(waiting.key)

    # -- the binding cycle ------------------------------------------------------------------

    async def run_pre_bind(self, state: CycleState, pod: Any, node_name: str) -> Status:
        for plugin in self.points["preBind"]:
            status = await plugin.pre_bind(state, pod, node_name)
            if not status.is_success():
                return named_status(status, plugin.name)
        return SUCCESS

    async def run_bind(self, state: CycleState, pod: Any, node_name: str) -> Status:
        for plugin in self.points["bind"]:
            status = await plugin.bind(state, pod, node_name)
            if status.code == Code.SKIP:
                continue
            return named_status(status, plugin.name)
        return Status.error("all bind plugins skipped the pod")

    async def run_post_bind(self, state: CycleState, pod: Any, node_name: str) -> None:
        for plugin in self.points["postBind"]:
            await plugin.post_bind(state, pod, node_name)


def _point_set(plugins: Any, point: str) -> Any:
    attribute = {"preFilter": "pre_filter", "postFilter": "post_filter", "preScore": "pre_score"}
    attribute |= {"preBind": "pre_bind", "postBind": "post_bind"}
    return getattr(plugins, attribute.get(point, point))


def select_host(nodes: Sequence[NodeInfo], totals: Sequence[int]) -> str:
    """The highest total; ties broken uniformly at random (as upstream's reservoir sampling)."""
    best = max(totals)
    ties = [i for i, total in enumerate(totals) if total == best]
    return nodes[ties[0] if len(ties) == 1 else random.choice(ties)].name
