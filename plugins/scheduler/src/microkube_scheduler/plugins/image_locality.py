"""ImageLocality: prefer nodes that already hold the pod's images, weighted by image size and
by how widely the image is spread (so one node with it does not attract every pod)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from microkube import hookimpl
from microkube.contracts.scheduling import MAX_NODE_SCORE, CycleState, StateKey, Status
from microkube_scheduler.plugins.common import SKIP, SUCCESS, no_args
from microkube_scheduler.resources import images

NAME = "ImageLocality"
MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB
# (image names, number of containers, nodes holding each image, total nodes)
_STATE: StateKey[tuple[list[str], int, dict[str, int], int]] = StateKey("ImageLocality/state")


def priority(sum_scores: int, containers: int) -> int:
    """Upstream's ``calculatePriority``: the summed score clamped and scaled to [0, 100]."""
    max_threshold = MAX_CONTAINER_THRESHOLD * containers
    sum_scores = min(max(sum_scores, MIN_THRESHOLD), max_threshold)
    return MAX_NODE_SCORE * (sum_scores - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


class ImageLocality:
    name = NAME

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def pre_score(self, state: CycleState, pod: Any, nodes: Sequence[Any]) -> Status:
        wanted = images(pod)
        spread = getattr(self.handle, "image_nodes", None)
        if spread is None:
            spread = {}
            for node in self.handle.node_infos():
                for image in node.image_sizes:
                    spread[image] = spread.get(image, 0) + 1
        if not wanted or not any(image in spread for image in wanted):
            return SKIP  # no node holds any of them: every node scores alike
        total = len(self.handle.node_infos())
        state.write(_STATE, (wanted, len(wanted), dict(spread), total))
        return SUCCESS

    def score(self, state: CycleState, pod: Any, node_info: Any) -> tuple[int, Status]:
        wanted, containers, spread, total = state.read(_STATE)
        sizes = node_info.image_sizes
        summed = 0
        for image in wanted:
            size = sizes.get(image)
            if size is not None and total:
                summed += int(size * (spread.get(image, 0) / total))
        return priority(summed, containers), SUCCESS


def factory(args: Mapping[str, Any], handle: Any) -> ImageLocality:
    no_args(NAME, args)
    return ImageLocality(handle)


@hookimpl(trylast=True)
def microkube_scheduler_plugins() -> dict[str, Any]:
    return {NAME: factory}
