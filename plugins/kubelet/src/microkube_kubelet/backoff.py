"""Per-key exponential back-off, as client-go's ``flowcontrol.Backoff`` used by the kubelet
for CrashLoopBackOff and image pulls: the first failure is retried at once, later ones
wait ``initial`` doubling to ``maximum``; an entry idle for ``2 * maximum`` starts over (a
container that ran 10 minutes is back to 10 s)."""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs

__all__ = ["Backoff"]


@attrs.define
class _Entry:
    delay: float
    last_update: float


class Backoff:
    def __init__(
        self, initial: float, maximum: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.initial = initial
        self.maximum = maximum
        self._clock = clock
        self._entries: dict[str, _Entry] = {}

    def get(self, key: str) -> float:
        """The current delay of ``key`` (0 when it has none)."""
        entry = self._entries.get(key)
        return entry.delay if entry else 0.0

    def next(self, key: str, event_time: float) -> None:
        """Record a retry now: start at ``initial``, else double (up to ``maximum``)."""
        entry = self._entries.get(key)
        if entry is None or event_time - entry.last_update > 2 * self.maximum:
            self._entries[key] = _Entry(self.initial, self._clock())
        else:
            entry.delay = min(entry.delay * 2, self.maximum)
            entry.last_update = self._clock()

    def in_backoff_since(self, key: str, event_time: float) -> bool:
        """Whether a retry for a failure at ``event_time`` must still wait."""
        entry = self._entries.get(key)
        if entry is None or event_time - entry.last_update > 2 * self.maximum:
            return False
        return self._clock() - event_time < entry.delay

    def remaining(self, key: str, event_time: float) -> float:
        """Seconds until a failure at ``event_time`` may be retried."""
        entry = self._entries.get(key)
        if entry is None:
            return 0.0
        return max(0.0, event_time + entry.delay - self._clock())

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
