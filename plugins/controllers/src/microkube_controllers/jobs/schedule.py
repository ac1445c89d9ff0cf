"""CronJob schedules: standard five-field cron, ``@hourly``-style descriptors, ``@every``,
and a ``CRON_TZ=``/``TZ=`` prefix or the ``timeZone`` field, as robfig/cron's
``ParseStandard`` (what kube-controller-manager uses) reads them.

Field matching comes from ``croniter`` (day-of-month and day-of-week are OR-ed when both are
restricted, as in Vixie cron and robfig/cron); times are computed in the schedule's time zone,
so daylight-saving changes move the UTC instants as they do upstream.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from croniter.croniter import CroniterError

__all__ = ["Schedule", "ScheduleError", "parse_schedule", "time_zone"]

_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


class ScheduleError(ValueError):
    """The schedule (or its time zone) cannot be understood."""


class Schedule(Protocol):
    def next_after(self, moment: datetime) -> datetime:
        """The first activation strictly after ``moment``."""

    def last_at_or_before(self, moment: datetime) -> datetime | None:
        """The latest activation at or before ``moment`` (None if it cannot tell)."""


def time_zone(name: str | None) -> ZoneInfo | None:
    """The IANA zone ``name`` (None for none, ``Local`` or UTC-equivalents stay explicit)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"unknown time zone {name}") from exc


class CronSchedule:
    """A five-field cron expression evaluated in ``zone`` (UTC if None)."""

    def __init__(self, expression: str, zone: ZoneInfo | None) -> None:
        self.expression = expression
        self.zone = zone or UTC
        try:
            croniter(expression, datetime(2000, 1, 1, tzinfo=self.zone))
        except (CroniterError, ValueError, KeyError) as exc:
            raise ScheduleError(str(exc) or "invalid cron expression") from exc

    def next_after(self, moment: datetime) -> datetime:
        local = moment.astimezone(self.zone)
        return croniter(self.expression, local).get_next(datetime).astimezone(UTC)

    def last_at_or_before(self, moment: datetime) -> datetime | None:
        # activations fall on whole minutes: one second later makes "at" count as "before"
        local = (moment + timedelta(seconds=1)).astimezone(self.zone)
        return croniter(self.expression, local).get_prev(datetime).astimezone(UTC)


class EverySchedule:
    """``@every <duration>``: a constant delay (robfig's ``ConstantDelaySchedule``); it has
    no fixed origin, so only the next activation after a given moment is defined."""

    def __init__(self, delay: timedelta) -> None:
        self.delay = max(delay, timedelta(seconds=1))

    def next_after(self, moment: datetime) -> datetime:
        return moment.replace(microsecond=0) + self.delay

    def last_at_or_before(self, moment: datetime) -> datetime | None:
        return None


def _duration(text: str) -> timedelta:
    """A Go duration such as ``1h30m`` or ``90s``."""
    position, total = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            break
        total += float(match[1]) * _UNIT_SECONDS[match[2]]
        position = match.end()
    if not text or position != len(text):
        raise ScheduleError(f"failed to parse duration {text}")
    return timedelta(seconds=total)


def parse_schedule(text: str, zone_name: str | None = None) -> Schedule:
    """The schedule of a CronJob (``spec.schedule`` and ``spec.timeZone``)."""
    spec = text.strip()
    zone = time_zone(zone_name)
    if spec.startswith(("CRON_TZ=", "TZ=")):
        prefix, _, spec = spec.partition(" ")
        zone = time_zone(prefix.split("=", 1)[1])
        spec = spec.strip()
    if not spec:
        raise ScheduleError("empty spec string")
    if spec.startswith("@every "):
        return EverySchedule(_duration(spec[len("@every ") :].strip()))
    if spec.startswith("@"):
        if spec not in _DESCRIPTORS:
            raise ScheduleError(f"unrecognized descriptor: {spec}")
        spec = _DESCRIPTORS[spec]
    fields = spec.split()
    if len(fields) != 5:
        raise ScheduleError(f"expected exactly 5 fields, found {len(fields)}: {spec}")
    return CronSchedule(" ".join(field.replace("?", "*") for field in fields), zone)
