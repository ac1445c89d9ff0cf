"""meta/v1: object and list metadata, selectors, conditions, the Status error body, times.

``Time`` and ``MicroTime`` are tz-aware ``datetime`` subclasses (always UTC once built here), so
they compare and do arithmetic like any datetime. A model field typed ``Time`` may also be given
any tz-aware datetime: the JSON form follows the field's declared type (seconds for ``Time``,
microseconds for ``MicroTime``), not the value's class.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Self

from microkube.api._base import field, model

__all__ = [
    "Condition",
    "DeleteOptions",
    "LabelSelector",
    "LabelSelectorRequirement",
    "ListMeta",
    "ManagedFieldsEntry",
    "MicroTime",
    "ObjectMeta",
    "OwnerReference",
    "Preconditions",
    "Status",
    "StatusCause",
    "StatusDetails",
    "Time",
    "format_micro_time",
    "format_time",
    "parse_time",
]

# RFC 3339 as Go's time.Parse(time.RFC3339, ...) reads it: fraction optional, any length.
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)


def parse_time(text: str) -> datetime:
    """Parse an RFC 3339 timestamp into an aware UTC datetime (sub-microsecond digits dropped)."""
    match = _RFC3339.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"time {text!r}: not an RFC 3339 timestamp like 2024-01-02T03:04:05Z")
    year, month, day, hour, minute, second, frac, zulu, sign, oh, om = match.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    try:
        parsed = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError as exc:
        raise ValueError(f"time {text!r}: {exc}") from None
    minutes = 0 if zulu else (int(oh) * 60 + int(om)) * (1 if sign == "+" else -1)
    zone = timezone(timedelta(minutes=minutes))
    return parsed.replace(microsecond=micro, tzinfo=zone).astimezone(UTC)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value!r} is a naive datetime; Kubernetes times need a time zone")
    return value.astimezone(UTC)


def format_time(value: datetime) -> str:
    """RFC 3339 in UTC with whole seconds, as metav1.Time marshals: ``2024-01-02T03:04:05Z``."""
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_micro_time(value: datetime) -> str:
    """RFC 3339 in UTC with microseconds, as metav1.MicroTime: ``2024-01-02T03:04:05.000123Z``."""
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Time(datetime):
    """metav1.Time: an aware UTC datetime written with second precision."""

    __slots__ = ()

    @classmethod
    def parse(cls, text: str) -> Self:
        return cls.from_datetime(parse_time(text))

    @classmethod
    def from_datetime(cls, value: datetime) -> Self:
        """``value`` (which must be tz-aware) in UTC, as this class."""
        v = _utc(value)
        return cls(v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond, tzinfo=UTC)

    @classmethod
    def now(cls, tz: Any = None) -> Self:  # type: ignore[override]
        """The current time in UTC (``tz`` is accepted for datetime compatibility, ignored)."""
        return cls.from_datetime(datetime.now(UTC))

    def __str__(self) -> str:
        return format_time(self)


class MicroTime(Time):
    """metav1.MicroTime: like ``Time`` but written with microseconds."""

    __slots__ = ()

    def __str__(self) -> str:
        return format_micro_time(self)


@model
class OwnerReference:
    api_version: str | None = field()
    kind: str | None = field()
    name: str | None = field()
    uid: str | None = field()
    controller: bool | None = field()
    block_owner_deletion: bool | None = field()


@model
class ManagedFieldsEntry:
    manager: str | None = field()
    operation: str | None = field()  # "Apply" or "Update"
    api_version: str | None = field()
    time: Time | None = field()
    fields_type: str | None = field()  # "FieldsV1"
    fields_v1: dict[str, Any] | None = field(json="fieldsV1")  # raw JSON, kept as written
    subresource: str | None = field()


@model
class ObjectMeta:
    name: str | None = field()
    generate_name: str | None = field()
    namespace: str | None = field()
    self_link: str | None = field()
    uid: str | None = field()
    resource_version: str | None = field()
    generation: int | None = field()
    creation_timestamp: Time | None = field()
    deletion_timestamp: Time | None = field()
    deletion_grace_period_seconds: int | None = field()
    labels: dict[str, str] | None = field()
    annotations: dict[str, str] | None = field()
    owner_references: list[OwnerReference] | None = field()
    finalizers: list[str] | None = field()
    managed_fields: list[ManagedFieldsEntry] | None = field()


@model
class ListMeta:
    self_link: str | None = field()
    resource_version: str | None = field()
    continue_: str | None = field(json="continue")
    remaining_item_count: int | None = field()


@model
class LabelSelectorRequirement:
    key: str | None = field()
    operator: str | None = field()  # In, NotIn, Exists, DoesNotExist
    values: list[str] | None = field()


@model
class LabelSelector:
    match_labels: dict[str, str] | None = field()
    match_expressions: list[LabelSelectorRequirement] | None = field()


@model
class Condition:
    type: str | None = field()
    status: str | None = field()  # "True", "False", "Unknown"
    observed_generation: int | None = field()
    last_transition_time: Time | None = field()
    reason: str | None = field()
    message: str | None = field()


@model
class StatusCause:
    reason: str | None = field()
    message: str | None = field()
    field: str | None = field()


@model
class StatusDetails:
    name: str | None = field()
    group: str | None = field()
    kind: str | None = field()
    uid: str | None = field()
    causes: list[StatusCause] | None = field()
    retry_after_seconds: int | None = field()


@model
class Status:
    """The body of every API error (and of some successful deletes)."""

    api_version: str = field(default="v1")
    kind: str = field(default="Status")
    metadata: ListMeta | None = field()
    status: str | None = field()  # "Success" or "Failure"
    message: str | None = field()
    reason: str | None = field()  # NotFound, AlreadyExists, Conflict, Invalid, ...
    details: StatusDetails | None = field()
    code: int | None = field()


@model
class Preconditions:
    uid: str | None = field()
    resource_version: str | None = field()


@model
class DeleteOptions:
    """The body of a DELETE, or ``deleteOptions`` inside an Eviction.

    Its apiVersion/kind are optional (clients send ``v1`` or ``meta.k8s.io/v1``, or nothing),
    so they round-trip as given and the class is not in ``KINDS``.
    """

    api_version: str | None = field()
    kind: str | None = field()
    grace_period_seconds: int | None = field()
    preconditions: Preconditions | None = field()
    orphan_dependents: bool | None = field()
    propagation_policy: str | None = field()  # Orphan, Background, Foreground
    dry_run: list[str] | None = field()
    ignore_store_read_error_with_cluster_breaking_potential: bool | None = field()


KINDS: tuple[type, ...] = (Status,)
