"""DefaultPreemption (PostFilter): when no node fits, find a node where evicting pods of
lower priority would make room, evict the fewest and least important, and nominate the node
for the pod (``status.nominatedNodeName``). PodDisruptionBudgets are not consulted yet.

The message when it cannot help follows upstream: ``preemption: 0/3 nodes are available:
3 Preemption is not helpful for scheduling.``
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from microkube import hookimpl
from microkube.client.errors import ApiError, NotFoundError, TransportError
from microkube.contracts.scheduling import (
    Code,
    CycleState,
    PostFilterResult,
    Status,
)
from microkube_scheduler.args import structure
from microkube_scheduler.fit_error import fit_message
from microkube_scheduler.framework import POD_INFO
from microkube_scheduler.plugins.common import SUCCESS

log = logging.getLogger(__name__)

NAME = "DefaultPreemption"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"


@attrs.define
class DefaultPreemptionArgs:
    min_candidate_nodes_percentage: int = 10
    min_candidate_nodes_absolute: int = 100

    def validate(self) -> list[str]:
        problems = []
        if not 0 <= self.min_candidate_nodes_percentage <= 100:
            problems.append("minCandidateNodesPercentage: must be in the range [0, 100]")
        if self.min_candidate_nodes_absolute < 0:
            problems.append("minCandidateNodesAbsolute: must be at least 0")
        if self.min_candidate_nodes_percentage == 0 and self.min_candidate_nodes_absolute == 0:
            problems.append(
                "minCandidateNodesPercentage and minCandidateNodesAbsolute: cannot both be zero"
            )
        return problems


@attrs.define
class Candidate:
    node: Any
    victims: list[Any]

    def rank(self) -> tuple[int, int, int]:
        """Smaller is better: the highest victim priority, the sum, the number of victims."""
        priorities = [v.priority for v in self.victims]
        return (max(priorities), sum(priorities), len(priorities))


class DefaultPreemption:
    name = NAME

    def __init__(self, args: DefaultPreemptionArgs, handle: Any) -> None:
        self.args = args
        self.handle = handle

    def num_candidates(self, nodes: int) -> int:
        n = nodes * self.args.min_candidate_nodes_percentage // 100
        n = max(n, self.args.min_candidate_nodes_absolute)
        return min(n, nodes)

    async def post_filter(
        self, state: CycleState, pod: Any, filtered: Mapping[str, Status]
    ) -> tuple[PostFilterResult | None, Status]:
        info = state.read(POD_INFO)
        if pod.spec.preemption_policy == "Never":
            return None, Status.unschedulable(
                "preemption: not eligible due to preemptionPolicy=Never.", plugin=NAME
            )
        if self.waiting_for_victims(pod, info):
            return None, Status.unschedulable(
                "preemption: not eligible due to a terminating pod on the nominated node.",
                plugin=NAME,
            )
        candidates, statuses = self.find_candidates(pod, info, filtered)
        nodes = self.handle.node_infos()
        if not candidates:
            message = fit_message(len(nodes), statuses)
            return PostFilterResult(""), Status.unschedulable(f"preemption: {message}", plugin=NAME)
        best = min(candidates, key=Candidate.rank)
        await self.evict(pod, best)
        return PostFilterResult(best.node.name), SUCCESS

    def waiting_for_victims(self, pod: Any, info: Any) -> bool:
        """Already nominated, and lower-priority pods are still leaving that node: wait for
        them rather than preempting again (upstream's ``PodEligibleToPreemptOthers``)."""
        nominated = (pod.status.nominated_node_name if pod.status is not None else None) or ""
        node = self.handle.get_node_info(nominated) if nominated else None
        if node is None:
            return False
        return any(
            p.priority < info.priority and p.pod.metadata.deletion_timestamp is not None
            for p in node.pod_infos
        )

    def find_candidates(
        self, pod: Any, info: Any, filtered: Mapping[str, Status]
    ) -> tuple[list[Candidate], dict[str, Status]]:
        """Dry-run preemption on the nodes where it might help; the candidates and, for the
        message, why every other node cannot be one."""
        nodes = self.handle.node_infos()
        statuses: dict[str, Status] = {}
        potential = []
        for node in nodes:
            status = filtered.get(node.name)
            if status is not None and status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
                statuses[node.name] = Status.unschedulable(NOT_HELPFUL, resolvable=False)
            else:
                potential.append(node)
        if not potential:
            return [], statuses
        wanted = self.num_candidates(len(potential))
        offset = random.randrange(len(potential))
        candidates: list[Candidate] = []
        for i in range(len(potential)):
            node = potential[(offset + i) % len(potential)]
            victims, status = self.select_victims(pod, info, node, nodes)
            if status.is_success() and victims:
                candidates.append(Candidate(node, victims))
                if len(candidates) >= wanted:
                    break
            elif status.is_success():
                statuses[node.name] = Status.error(
                    f"expected at least one victim pod on node {node.name!r}"
                )
            else:
                statuses[node.name] = status
        return candidates, statuses

    def _fits(self, pod: Any, info: Any, node: Any, nodes: Sequence[Any]) -> Status:
        framework = self.handle.framework
        view = [node if n.name == node.name else n for n in nodes]
        state = CycleState()
        state.write(POD_INFO, info)
        _, status = framework.run_pre_filter(state, pod, view)
        if not status.is_success():
            return status
        return framework.run_filter_with_nominated(state, pod, info, node)

    def select_victims(
        self, pod: Any, info: Any, node: Any, nodes: Sequence[Any]
    ) -> tuple[list[Any], Status]:
        """The fewest lower-priority pods to evict from ``node`` so ``pod`` fits: remove them
        all, check the fit, then give back (highest priority first) every one not needed."""
        lower = [p for p in node.pod_infos if p.priority < info.priority]
        if not lower:
            return [], Status.unschedulable(NO_VICTIMS, resolvable=False)
        trial = node.clone()
        for victim in lower:
            trial.remove_pod(victim.key)
        status = self._fits(pod, info, trial, nodes)
        if not status.is_success():
            return [], status
        victims = []
        for candidate in sorted(lower, key=lambda p: -p.priority):
            trial.add_pod(candidate)
            if not self._fits(pod, info, trial, nodes).is_success():
                trial.remove_pod(candidate.key)
                victims.append(candidate)
        return victims, SUCCESS

    async def evict(self, pod: Any, candidate: Candidate) -> None:
        """Delete the victims (recording ``Preempted`` on each)."""
        client = self.handle.client
        recorder = getattr(self.handle, "recorder", None)
        for victim in candidate.victims:
            meta = victim.pod.metadata
            try:
                await client.delete("pods", meta.name, meta.namespace)
            except NotFoundError:
                continue
            except (ApiError, TransportError, OSError) as exc:
                log.warning("preempting %s: %s", victim.key, exc)
                continue
            if recorder is not None:
                recorder.event(
                    {
                        "kind": "Pod",
                        "apiVersion": "v1",
                        "metadata": {
                            "name": meta.name,
                            "namespace": meta.namespace,
                            "uid": meta.uid or "",
                        },
                    },
                    "Normal",
                    "Preempted",
                    f"Preempted by pod {pod.metadata.uid} on node {candidate.node.name}",
                )


def factory(args: Mapping[str, Any], handle: Any) -> DefaultPreemption:
    return DefaultPreemption(
        structure(args, DefaultPreemptionArgs, "DefaultPreemptionArgs"), handle
    )


@hookimpl(trylast=True)
def microkube_scheduler_plugins() -> dict[str, Any]:
    return {NAME: factory}
