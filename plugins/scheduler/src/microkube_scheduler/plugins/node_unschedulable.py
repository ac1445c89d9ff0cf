"""NodeUnschedulable: a cordoned node (``spec.unschedulable``) takes only pods tolerating the
``node.kubernetes.io/unschedulable:NoSchedule`` taint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from microkube import hookimpl
from microkube.api.core_v1 import Taint
from microkube.contracts.scheduling import CycleState, PreFilterResult, Status
from microkube_scheduler.plugins.common import SKIP, SUCCESS, no_args
from microkube_scheduler.selectors import tolerates

NAME = "NodeUnschedulable"
REASON = "node(s) were unschedulable"
UNSCHEDULABLE_TAINT = Taint(key="node.kubernetes.io/unschedulable", effect="NoSchedule")
_REJECT = Status.unschedulable(REASON, resolvable=False, plugin=NAME)


class NodeUnschedulable:
    name = NAME

    def __init__(self, handle: Any = None) -> None:
        self.handle = handle

    def pre_filter(
        self, state: CycleState, pod: Any, nodes: Sequence[Any]
    ) -> tuple[PreFilterResult | None, Status]:
        """SKIP when no node is cordoned: the filter could reject none."""
        lookup = getattr(self.handle, "any_node", None)
        if lookup is not None and lookup(nodes, "cordoned") is False:
            return None, SKIP
        return None, SUCCESS

    def filter(self, state: CycleState, pod: Any, node_info: Any) -> Status:
        if not node_info.unschedulable:
            return SUCCESS
        if any(tolerates(t, UNSCHEDULABLE_TAINT) for t in pod.spec.tolerations or ()):
            return SUCCESS
        return _REJECT


def factory(args: Mapping[str, Any], handle: Any) -> NodeUnschedulable:
    no_args(NAME, args)
    return NodeUnschedulable(handle)


@hookimpl(trylast=True)
def microkube_scheduler_plugins() -> dict[str, Any]:
    return {NAME: factory}
