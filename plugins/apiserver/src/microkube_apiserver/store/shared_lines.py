"""Encoded watch events shared by every watch of one server.

A hundred watches of one collection send the same line for the same change: the first watch
to send it encodes it, the others take its bytes from here. A line is keyed by what decides
it — the object's key, the revision it is shown at and the event type — and only plain JSON
lines are kept (a Table event is per watch: the first one carries that watch's column
headers). The oldest lines go first; a watch further behind than that encodes its own.
"""

from __future__ import annotations

__all__ = ["LineKey", "SharedLines"]

#: (storage key, revision the object is shown at, event type)
LineKey = tuple[str, int, str]


class SharedLines:
    """A bounded map of encoded watch lines, oldest evicted first."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._lines: dict[LineKey, bytes] = {}

    def __len__(self) -> int:
        return len(self._lines)

    def get(self, key: LineKey) -> bytes | None:
        return self._lines.get(key)

    def put(self, key: LineKey, line: bytes) -> None:
        self._lines[key] = line
        while len(self._lines) > self.size:
            del self._lines[next(iter(self._lines))]
