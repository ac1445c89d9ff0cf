"""The message of a pod that fits no node, in kube-scheduler's exact format (``FitError``):

``0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {key: value}.
preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..``
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from microkube.contracts.scheduling import Status

NO_NODE_AVAILABLE = "0/{} nodes are available"


def fit_message(
    num_all_nodes: int,
    statuses: Mapping[str, Status],
    pre_filter_message: str = "",
    post_filter_message: str = "",
) -> str:
    message = NO_NODE_AVAILABLE.format(num_all_nodes) + ":"
    if pre_filter_message:
        message += f" {pre_filter_message}."
    else:
        reasons: Counter[str] = Counter()
        for status in statuses.values():
            reasons.update(status.reasons)
        histogram = sorted(f"{count} {reason}" for reason, count in reasons.items())
        if histogram:
            message += f" {', '.join(histogram)}."
    if post_filter_message:
        # As upstream (" %v." again), so a preemption message ends in "..": what real
        # clusters show, e.g. "... 1 No preemption victims found for incoming pod.."
        message += f" {post_filter_message}."
    return message


class FitError(Exception):
    """No node fits the pod: the per-node statuses and the rejecting plugins."""

    def __init__(
        self,
        num_all_nodes: int,
        statuses: Mapping[str, Status],
        pre_filter_message: str = "",
        unschedulable_plugins: frozenset[str] = frozenset(),
    ) -> None:
        self.num_all_nodes = num_all_nodes
        self.statuses = dict(statuses)
        self.pre_filter_message = pre_filter_message
        self.post_filter_message = ""
        plugins = set(unschedulable_plugins)
        plugins.update(s.plugin for s in self.statuses.values() if s.plugin)
        self.unschedulable_plugins = frozenset(plugins)
        super().__init__(self.message())

    def message(self) -> str:
        return fit_message(
            self.num_all_nodes, self.statuses, self.pre_filter_message, self.post_filter_message
        )

    def __str__(self) -> str:
        return self.message()
