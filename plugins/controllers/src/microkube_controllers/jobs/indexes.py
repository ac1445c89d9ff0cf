"""Completion indexes of Indexed Jobs and their compressed text form (``"0,2-4,7"``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["COMPLETION_INDEX", "completion_index", "format_indexes", "parse_indexes"]

#: the annotation (and, since 1.28, the label) carrying a pod's completion index
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"


def completion_index(pod: Mapping[str, Any]) -> int | None:
    """The pod's completion index from its annotation, or None if absent or malformed."""
    text = ((pod.get("metadata") or {}).get("annotations") or {}).get(COMPLETION_INDEX)
    if text is None or not text.isdigit():
        return None
    return int(text)


def parse_indexes(text: str | None, limit: int) -> set[int]:
    """The indexes below ``limit`` named by a ``completedIndexes`` string."""
    found: set[int] = set()
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        first, _, last = part.partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError:
            continue  # a malformed interval is skipped, as upstream's parser does
        found.update(range(low, min(high, limit - 1) + 1))
    return found


def format_indexes(indexes: Iterable[int]) -> str:
    """Sorted indexes with runs compressed into intervals: ``{0, 2, 3, 4, 7}`` → ``0,2-4,7``."""
    ordered = sorted(set(indexes))
    parts: list[str] = []
    start = prev = None
    for index in ordered:
        if prev is not None and index == prev + 1:
            prev = index
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = index
    if start is not None:
        parts.append(str(start) if start == prev else f"{start}-{prev}")
    return ",".join(parts)
