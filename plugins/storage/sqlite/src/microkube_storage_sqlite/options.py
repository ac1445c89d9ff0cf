"""The ``sqlite`` backend's options: its section of the configuration, validated here.

Keys are written with dashes as in the rest of the configuration (``watch-cache-size``);
underscores are accepted too. Unknown keys and bad values raise
:class:`microkube.config.ConfigError` naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from microkube.config import not_negative, positive, structure_options

SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")


def _synchronous(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if value not in SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS)}, got {value!r}")


@attrs.frozen(kw_only=True)
class SqliteOptions:
    """Every knob of the backend, with the defaults used when the section is empty."""

    #: The database file; None = ``<data_dir>/storage.sqlite``.
    path: str | None = None
    #: SQLite's ``synchronous`` in WAL mode: NORMAL survives a process crash (``kill -9``),
    #: FULL also survives power loss at the cost of an fsync per commit.
    synchronous: str = attrs.field(default="NORMAL", converter=str.upper, validator=_synchronous)
    #: Most writes committed in one transaction (group commit).
    max_batch: int = attrs.field(default=256, validator=positive)
    #: Threads (each with its own connection) serving reads.
    read_threads: int = attrs.field(default=2, validator=positive)
    #: Recent events kept in memory for watches; older ones are read from the history table.
    watch_cache_size: int = attrs.field(default=10_000, validator=positive)
    #: Events queued for one slow watcher before it is switched to catching up from history.
    watch_buffer_limit: int = attrs.field(default=10_000, validator=positive)
    #: Seconds of silence after which an idle watch gets a progress notification; 0 = never.
    progress_interval: float = attrs.field(default=5.0, validator=not_negative)
    #: Seconds between automatic compactions; 0 disables them (kube-apiserver: 5 minutes).
    compaction_interval: float = attrs.field(default=300.0, validator=not_negative)
    #: Automatic compaction keeps at least this many recent revisions ...
    compaction_retain_revisions: int = attrs.field(default=1000, validator=not_negative)
    #: ... and every revision written in the last this many seconds.
    compaction_retain_seconds: float = attrs.field(default=300.0, validator=not_negative)

    def database(self, data_dir: Path) -> Path:
        return Path(self.path) if self.path else Path(data_dir) / "storage.sqlite"


def parse_options(options: Mapping[str, Any]) -> SqliteOptions:
    """Validate the ``sqlite`` options section (an empty mapping gives the defaults)."""
    return structure_options(SqliteOptions, options, "options.sqlite")
