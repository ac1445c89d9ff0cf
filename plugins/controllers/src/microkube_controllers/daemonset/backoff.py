"""Back-off of deleting failed daemon pods per (DaemonSet, node): a kubelet that keeps
rejecting a pod must not be fought in a hot loop (upstream ``failedPodsBackoff``: 1 s
doubling to 15 min)."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["FailedPodBackoff"]

Key = tuple[str, str]


@attrs.define
class _Entry:
    delay: float
    last_update: datetime


class FailedPodBackoff:
    def __init__(self, initial: float = 1.0, maximum: float = 15 * 60.0) -> None:
        self.initial = initial
        self.maximum = maximum
        self._entries: dict[Key, _Entry] = {}

    def remaining(self, key: Key, now: datetime) -> float:
        entry = self._entries.get(key)
        if entry is None:
            return 0.0
        return max(entry.delay - (now - entry.last_update).total_seconds(), 0.0)

    def in_backoff(self, key: Key, now: datetime) -> bool:
        return self.remaining(key, now) > 0

    def next(self, key: Key, now: datetime) -> None:
        """Record one more failure: the next deletion waits twice as long."""
        entry = self._entries.get(key)
        if entry is None:
            self._entries[key] = _Entry(self.initial, now)
        else:
            entry.delay = min(entry.delay * 2, self.maximum)
            entry.last_update = now

    def forget_daemon_set(self, daemon_set_key: str) -> None:
        for key in [k for k in self._entries if k[0] == daemon_set_key]:
            del self._entries[key]
