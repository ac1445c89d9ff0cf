"""Kubernetes timestamps (RFC 3339, UTC) as controllers read and write them."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["format_time", "now", "parse_time"]


def now() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime | None = None) -> str:
    """``2006-01-02T15:04:05Z`` (metav1.Time has whole seconds on the wire)."""
    return (moment or now()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str | None) -> datetime | None:
    """Parse an RFC 3339 time (with or without fractions); None for an empty or bad value."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
