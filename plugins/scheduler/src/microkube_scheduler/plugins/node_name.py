"""NodeName: a pod that names its node (``spec.nodeName``) fits only that node."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from microkube import hookimpl
from microkube.contracts.scheduling import CycleState, PreFilterResult, Status
from microkube_scheduler.plugins.common import SKIP, SUCCESS, no_args

NAME = "NodeName"
REASON = "node(s) didn't match the requested node name"
_REJECT = Status.unschedulable(REASON, resolvable=False, plugin=NAME)


class NodeName:
    name = NAME

    def pre_filter(
        self, state: CycleState, pod: Any, nodes: Sequence[Any]
    ) -> tuple[PreFilterResult | None, Status]:
        return None, SUCCESS if pod.spec.node_name else SKIP

    def filter(self, state: CycleState, pod: Any, node_info: Any) -> Status:
        wanted = pod.spec.node_name
        return SUCCESS if not wanted or wanted == node_info.node.metadata.name else _REJECT


def factory(args: Mapping[str, Any], handle: Any) -> NodeName:
    no_args(NAME, args)
    return NodeName()


@hookimpl(trylast=True)
def microkube_scheduler_plugins() -> dict[str, Any]:
    return {NAME: factory}
