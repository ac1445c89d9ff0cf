"""TaintToleration: a pod does not go to a node with a NoSchedule/NoExecute taint it does not
tolerate; among the rest, nodes with fewer untolerated PreferNoSchedule taints score higher."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from microkube import hookimpl
from microkube.contracts.scheduling import (
    CycleState,
    NodeScore,
    PreFilterResult,
    StateKey,
    Status,
)
from microkube_scheduler.plugins.common import SKIP, SUCCESS, default_normalize, no_args
from microkube_scheduler.selectors import tolerates, untolerated_taint

NAME = "TaintToleration"
DO_NOT_SCHEDULE = frozenset({"NoSchedule", "NoExecute"})
PREFER_NO_SCHEDULE = "PreferNoSchedule"
_PREFER_TOLERATIONS: StateKey[list[Any]] = StateKey("TaintToleration/prefer-tolerations")


def reason(taint: Any) -> str:
    return f"node(s) had untolerated taint {{{taint.key}: {taint.value or ''}}}"


class TaintToleration:
    name = NAME

    def __init__(self, handle: Any = None) -> None:
        self.handle = handle

    def pre_filter(
        self, state: CycleState, pod: Any, nodes: Sequence[Any]
    ) -> tuple[PreFilterResult | None, Status]:
        """SKIP when no node has a NoSchedule/NoExecute taint: the filter could reject none."""
        lookup = getattr(self.handle, "any_node", None)
        if lookup is not None and lookup(nodes, "tainted") is False:
            return None, SKIP
        return None, SUCCESS

    def filter(self, state: CycleState, pod: Any, node_info: Any) -> Status:
        taints = node_info.taints
        if not taints:
            return SUCCESS
        taint = untolerated_taint(taints, pod.spec.tolerations or (), DO_NOT_SCHEDULE)
        if taint is None:
            return SUCCESS
        return Status.unschedulable(reason(taint), resolvable=False, plugin=NAME)

    def pre_score(self, state: CycleState, pod: Any, nodes: Sequence[Any]) -> Status:
        if not any(t.effect == PREFER_NO_SCHEDULE for n in nodes for t in n.taints):
            return SKIP  # every node scores alike: nothing to rank
        tolerations = [
            t for t in pod.spec.tolerations or () if t.effect in (None, "", PREFER_NO_SCHEDULE)
        ]
        state.write(_PREFER_TOLERATIONS, tolerations)
        return SUCCESS

    def score(self, state: CycleState, pod: Any, node_info: Any) -> tuple[int, Status]:
        tolerations = state.read(_PREFER_TOLERATIONS)
        count = sum(
            1
            for taint in node_info.taints
            if taint.effect == PREFER_NO_SCHEDULE
            and not any(tolerates(t, taint) for t in tolerations)
        )
        return count, SUCCESS

    def normalize_score(self, state: CycleState, pod: Any, scores: list[NodeScore]) -> Status:
        return default_normalize(scores, reverse=True)


def factory(args: Mapping[str, Any], handle: Any) -> TaintToleration:
    no_args(NAME, args)
    return TaintToleration(handle)


@hookimpl(trylast=True)
def microkube_scheduler_plugins() -> dict[str, Any]:
    return {NAME: factory}
