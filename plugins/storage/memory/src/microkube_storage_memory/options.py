"""The ``memory`` backend's options: its section of the configuration, validated here.

Keys are written with dashes as in the rest of the configuration; underscores are accepted
too. Unknown keys and bad values raise :class:`microkube.config.ConfigError` naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from microkube.config import not_negative, positive, structure_options


@attrs.frozen(kw_only=True)
class MemoryOptions:
    #: Seconds of silence after which an idle watch gets a progress notification; 0 = never.
    progress_interval: float = attrs.field(default=5.0, validator=not_negative)
    #: Most events in one watch response (a revision is never split).
    max_batch: int = attrs.field(default=1000, validator=positive)
    #: Seconds between automatic compactions; 0 disables them (kube-apiserver: 5 minutes).
    compaction_interval: float = attrs.field(default=300.0, validator=not_negative)
    #: Automatic compaction keeps at least this many recent revisions ...
    compaction_retain_revisions: int = attrs.field(default=1000, validator=not_negative)
    #: ... and every revision written in the last this many seconds.
    compaction_retain_seconds: float = attrs.field(default=300.0, validator=not_negative)


def parse_options(options: Mapping[str, Any]) -> MemoryOptions:
    """Validate the ``memory`` options section (an empty mapping gives the defaults)."""
    return structure_options(MemoryOptions, options, "options.memory")
