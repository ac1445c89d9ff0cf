"""Timestamps in the API's shapes: RFC 3339 seconds (``Time``) and microseconds (``MicroTime``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

__all__ = ["micro_time", "parse_time", "rfc3339", "rfc3339_ns"]


def rfc3339(seconds: float | None = None) -> str:
    """``2024-01-02T03:04:05Z`` for ``seconds`` since the epoch (default: now)."""
    when = time.time() if seconds is None else seconds
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_ns(nanoseconds: int) -> str:
    """:func:`rfc3339` of a runtime timestamp in nanoseconds."""
    return rfc3339(nanoseconds / 1e9)


def micro_time(seconds: float | None = None) -> str:
    """``2024-01-02T03:04:05.123456Z``, as a Lease's ``renewTime``."""
    when = time.time() if seconds is None else seconds
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str | None) -> float | None:
    """Seconds since the epoch of an RFC 3339 timestamp, or None if absent or malformed."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def go_duration(seconds: float) -> str:
    """A duration as Go's ``time.Duration.String`` prints it: ``10s``, ``2m40s``, ``5m0s``,
    ``200ms``, ``1.5s`` (what upstream's back-off messages show)."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        millis = seconds * 1000
        return f"{millis:g}ms" if millis >= 1 else f"{seconds * 1e6:g}µs"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{round(secs, 9):g}s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{text}"
    if minutes:
        return f"{int(minutes)}m{text}"
    return text
