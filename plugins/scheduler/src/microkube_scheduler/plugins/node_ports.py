"""NodePorts: a pod asking for host ports fits only nodes where those ports are free."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from microkube import hookimpl
from microkube.contracts.scheduling import CycleState, PreFilterResult, StateKey, Status
from microkube_scheduler.framework import POD_INFO
from microkube_scheduler.plugins.common import SKIP, SUCCESS, no_args

NAME = "NodePorts"
REASON = "node(s) didn't have free ports for the requested pod ports"
_PORTS: StateKey[list[tuple[str, str, int]]] = StateKey("NodePorts/ports")
_REJECT = Status.unschedulable(REASON, plugin=NAME)


class NodePorts:
    name = NAME

    def pre_filter(
        self, state: CycleState, pod: Any, nodes: Sequence[Any]
    ) -> tuple[PreFilterResult | None, Status]:
        ports = state.read(POD_INFO).ports
        if not ports:
            return None, SKIP
        state.write(_PORTS, ports)
        return None, SUCCESS

    def filter(self, state: CycleState, pod: Any, node_info: Any) -> Status:
        ports = state.get(_PORTS)
        if ports and node_info.ports_conflict(ports):
            return _REJECT
        return SUCCESS


def factory(args: Mapping[str, Any], handle: Any) -> NodePorts:
    no_args(NAME, args)
    return NodePorts()


@hookimpl(trylast=True)
def microkube_scheduler_plugins() -> dict[str, Any]:
    return {NAME: factory}
