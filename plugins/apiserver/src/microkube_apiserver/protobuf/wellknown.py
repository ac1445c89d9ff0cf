"""Kubernetes types whose JSON form is not their protobuf message form.

Each function takes the bytes of one message and returns the JSON value Go's ``MarshalJSON``
would produce, or ``None`` where Go writes ``null`` (the caller then omits the field).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import ProtobufError
from .wire import LEN, VARINT, WIRE_TYPE_NAMES, as_int32, as_int64, iter_fields

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_GO_ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)
_NANOS = 1_000_000_000


def _fields(
    data: bytes, what: str, wire_types: dict[int, int]
) -> tuple[dict[int, int], dict[int, bytes]]:
    """The last value of each known field (ints, then bytes), checked against its wire type."""
    ints: dict[int, int] = {}
    blobs: dict[int, bytes] = {}
    for number, wire_type, value in iter_fields(data):
        expected = wire_types.get(number)
        if expected is None:
            continue
        if wire_type != expected:
            raise ProtobufError(
                f"{what} field {number}: {WIRE_TYPE_NAMES[wire_type]} wire type, "
                f"expected {WIRE_TYPE_NAMES[expected]}"
            )
        if isinstance(value, int):
            ints[number] = value
        else:
            blobs[number] = value
    return ints, blobs


def _datetime(seconds: int, nanos: int, what: str) -> datetime:
    try:
        return _EPOCH + timedelta(seconds=seconds, microseconds=nanos // 1000)
    except OverflowError:
        raise ProtobufError(f"{what} {seconds}s is outside years 1-9999") from None


def _rfc3339(moment: datetime, fraction: str = "") -> str:
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}{fraction}Z"
    )


def _timestamp(data: bytes, what: str) -> tuple[int, int]:
    ints, _ = _fields(data, what, {1: VARINT, 2: VARINT})
    return as_int64(ints.get(1, 0)), as_int32(ints.get(2, 0))


def decode_time(data: bytes) -> str | None:
    """meta/v1 Time {seconds, nanos}: RFC 3339 in UTC, whole seconds (Go drops the nanos).

    An empty message is Go's zero time, which marshals as null.
    """
    if not data:
        return None
    seconds, _ = _timestamp(data, "Time")
    moment = _datetime(seconds, 0, "Time")
    return None if moment == _GO_ZERO_TIME else _rfc3339(moment)


def decode_microtime(data: bytes) -> str | None:
    """meta/v1 MicroTime {seconds, nanos}: RFC 3339 in UTC with six fractional digits."""
    if not data:
        return None
    seconds, nanos = _timestamp(data, "MicroTime")
    seconds, nanos = seconds + nanos // _NANOS, nanos % _NANOS
    moment = _datetime(seconds, nanos, "MicroTime")
    if moment == _GO_ZERO_TIME:
        return None
    return _rfc3339(moment, f".{moment.microsecond:06d}")


def format_go_duration(nanoseconds: int) -> str:
    """Go's ``time.Duration.String``: ``1h2m3.5s``, ``1.5ms``, ``0s``."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    value = abs(nanoseconds)
    if value < 1_000:
        return f"{sign}{value}ns"
    if value < 1_000_000:
        return f"{sign}{_decimal(value, 3)}µs"
    if value < _NANOS:
        return f"{sign}{_decimal(value, 6)}ms"
    seconds, fraction = divmod(value, _NANOS)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = _decimal(secs * _NANOS + fraction, 9) + "s"
    if hours:
        text = f"{hours}h{minutes}m{text}"
    elif minutes:
        text = f"{minutes}m{text}"
    return sign + text


def _decimal(value: int, digits: int) -> str:
    whole, fraction = divmod(value, 10**digits)
    tail = f"{fraction:0{digits}d}".rstrip("0")
    return f"{whole}.{tail}" if tail else str(whole)


def decode_duration(data: bytes) -> str:
    """meta/v1 Duration {duration (ns)}: Go's duration string."""
    ints, _ = _fields(data, "Duration", {1: VARINT})
    return format_go_duration(as_int64(ints.get(1, 0)))


def decode_quantity(data: bytes) -> str:
    """resource.Quantity {string}: Go sends the canonical string, the JSON form too."""
    _, blobs = _fields(data, "Quantity", {1: LEN})
    raw = blobs.get(1)
    return "0" if raw is None else raw.decode("utf-8", "replace")


def decode_intorstring(data: bytes) -> int | str:
    """intstr.IntOrString {type, intVal, strVal}: a bare int (type 0) or string (type 1)."""
    ints, blobs = _fields(data, "IntOrString", {1: VARINT, 2: VARINT, 3: LEN})
    kind = as_int64(ints.get(1, 0))
    if kind == 0:
        return as_int32(ints.get(2, 0))
    if kind == 1:
        return blobs.get(3, b"").decode("utf-8", "replace")
    raise ProtobufError(f"IntOrString type {kind} is neither 0 (int) nor 1 (string)")


def decode_stringlist(data: bytes) -> list[str]:
    """A ``repeated string items = 1`` wrapper (ExtraValue): a JSON array of strings."""
    items: list[str] = []
    for number, wire_type, value in iter_fields(data):
        if number != 1:
            continue
        if wire_type != LEN or not isinstance(value, bytes):
            raise ProtobufError(f"string list item: {WIRE_TYPE_NAMES[wire_type]} wire type")
        items.append(value.decode("utf-8", "replace"))
    return items


def parse_json(raw: bytes, what: str) -> Any:
    """Embedded JSON (RawExtension, FieldsV1) as a value; malformed JSON is a ProtobufError."""
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ProtobufError(f"{what} does not hold valid JSON: {reason}") from None
    except RecursionError:
        raise ProtobufError(f"{what} holds JSON nested too deeply") from None


def decode_fieldsv1(data: bytes) -> Any:
    """meta/v1 FieldsV1 {Raw}: the managed-fields trie, which is JSON already."""
    _, blobs = _fields(data, "FieldsV1", {1: LEN})
    raw = blobs.get(1)
    return parse_json(raw, "FieldsV1") if raw else None
