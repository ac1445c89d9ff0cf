"""Kubernetes' ``duration.HumanDuration`` (the AGE column) and timestamp parsing.

Durations are whole nanoseconds, truncated toward zero as Go's integer conversions do, so the
boundaries (``119s`` then ``2m``, ``9m59s`` then ``10m``, ``47h`` then ``2d``) match exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = [
    "UNKNOWN",
    "human_duration",
    "nanoseconds",
    "parse_time",
    "short_human_duration",
    "since",
    "until",
]

#: What the printers show for a zero (absent) timestamp.
UNKNOWN = "<unknown>"

_SECOND = 10**9
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE


def _trunc(value: int, unit: int) -> int:
    """``value / unit`` truncated toward zero (Go's integer division and int(float))."""
    quotient = abs(value) // unit
    return quotient if value >= 0 else -quotient


def nanoseconds(delta: timedelta) -> int:
    """A timedelta as whole nanoseconds (exact: timedelta has microsecond resolution)."""
    return ((delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds) * 1000


def human_duration(ns: int) -> str:
    """``duration.HumanDuration``: about 2-3 significant figures (``3m10s``, ``5h``, ``2d3h``).

    Up to 2 s in the future reads as ``0s`` (clock skew); further is ``<invalid>``.
    """
    seconds = _trunc(ns, _SECOND)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = ns // _MINUTE
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = ns // _HOUR
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def short_human_duration(ns: int) -> str:
    """``duration.ShortHumanDuration``: one unit only (``59s``, ``1m``, ``23h``, ``1d``, ``1y``)."""
    seconds = _trunc(ns, _SECOND)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60:
        return f"{seconds}s"
    minutes = ns // _MINUTE
    if minutes < 60:
        return f"{minutes}m"
    hours = ns // _HOUR
    if hours < 24:
        return f"{hours}h"
    if hours < 24 * 365:
        return f"{hours // 24}d"
    return f"{hours // 24 // 365}y"


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 ``metav1.Time``/``MicroTime`` as an aware datetime; None when absent or zero.

    Go's zero time (``0001-01-01T00:00:00Z``) counts as absent, as ``Time.IsZero`` does.
    Unparseable text also reads as absent: the printers then show ``<unknown>``.
    """
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    dot = text.find(".")
    if dot != -1:  # Python parses at most 6 fractional digits; Go sends up to 9
        end = dot + 1
        while end < len(text) and text[end].isdigit():
            end += 1
        text = text[: dot + 1] + text[dot + 1 : end][:6].ljust(6, "0") + text[end:]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed == datetime(1, 1, 1, tzinfo=UTC):
        return None
    return parsed


def since(timestamp: object, now: datetime) -> str:
    """``translateTimestampSince``: HumanDuration of ``now - timestamp``, ``<unknown>`` if zero."""
    parsed = timestamp if isinstance(timestamp, datetime) else parse_time(timestamp)
    if parsed is None:
        return UNKNOWN
    return human_duration(nanoseconds(now - parsed))


def until(timestamp: object, now: datetime) -> str:
    """``translateTimestampUntil``: HumanDuration of ``timestamp - now``."""
    parsed = timestamp if isinstance(timestamp, datetime) else parse_time(timestamp)
    if parsed is None:
        return UNKNOWN
    return human_duration(nanoseconds(parsed - now))
