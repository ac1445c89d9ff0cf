"""What the default plugins share: SKIP, argument checking, and the default normalization."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microkube.contracts.scheduling import MAX_NODE_SCORE, SUCCESS, Code, NodeScore, Status
from microkube_scheduler.args import ConfigurationError

SKIP = Status(Code.SKIP)

__all__ = ["SKIP", "SUCCESS", "default_normalize", "no_args"]


def no_args(name: str, args: Mapping[str, Any] | None) -> None:
    """Plugins without arguments refuse any, naming the plugin."""
    if args:
        raise ConfigurationError(
            f"{name} takes no pluginConfig args (got {', '.join(sorted(args))})"
        )


def default_normalize(scores: list[NodeScore], reverse: bool = False) -> Status:
    """Upstream's ``DefaultNormalizeScore``: scale to [0, 100] by the maximum; ``reverse``
    flips it (fewer is better)."""
    highest = max((s.score for s in scores), default=0)
    if highest == 0:
        if reverse:
            scores[:] = [NodeScore(s.name, MAX_NODE_SCORE) for s in scores]
        return SUCCESS
    for i, entry in enumerate(scores):
        value = MAX_NODE_SCORE * entry.score // highest
        if reverse:
            value = MAX_NODE_SCORE - value
        scores[i] = NodeScore(entry.name, value)
    return SUCCESS
