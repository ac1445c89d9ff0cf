"""A bounded reader for the protobuf wire format (proto2 and proto3 encode alike).

Every length is checked against the bytes that remain before anything is sliced, so a
hostile length can neither allocate nor loop; every failure is a one-line ``ProtobufError``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from .errors import ProtobufError

VARINT = 0
FIXED64 = 1
LEN = 2
START_GROUP = 3
END_GROUP = 4
FIXED32 = 5

WIRE_TYPE_NAMES = {
    VARINT: "varint",
    FIXED64: "64-bit",
    LEN: "length-delimited",
    START_GROUP: "start-group",
    END_GROUP: "end-group",
    FIXED32: "32-bit",
}

MAX_FIELD_NUMBER = (1 << 29) - 1
MAX_GROUP_DEPTH = 100

FieldValue = int | bytes


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """Read an unsigned varint at ``pos``; return (value, next position)."""
    result = 0
    shift = 0
    end = len(data)
    while True:
        if pos >= end:
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        if shift == 63 and byte > 1:
            raise ProtobufError("varint overflows 64 bits")
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtobufError("varint longer than 10 bytes")


def _take(data: bytes, pos: int, size: int, what: str) -> tuple[bytes, int]:
    remaining = len(data) - pos
    if size > remaining:
        raise ProtobufError(f"truncated {what}: needs {size} bytes, {remaining} remain")
    return data[pos : pos + size], pos + size


def _read_tag(data: bytes, pos: int) -> tuple[int, int, int]:
    tag, pos = read_varint(data, pos)
    number, wire_type = tag >> 3, tag & 7
    if number == 0 or number > MAX_FIELD_NUMBER:
        raise ProtobufError(f"invalid field number {number}")
    if wire_type not in WIRE_TYPE_NAMES:
        raise ProtobufError(f"invalid wire type {wire_type} for field {number}")
    return number, wire_type, pos


def _read_value(data: bytes, pos: int, number: int, wire_type: int) -> tuple[FieldValue, int]:
    if wire_type == VARINT:
        return read_varint(data, pos)
    if wire_type == FIXED64:
        chunk, pos = _take(data, pos, 8, f"64-bit field {number}")
        return int.from_bytes(chunk, "little"), pos
    if wire_type == FIXED32:
        chunk, pos = _take(data, pos, 4, f"32-bit field {number}")
        return int.from_bytes(chunk, "little"), pos
    if wire_type == LEN:
        size, pos = read_varint(data, pos)
        return _take(data, pos, size, f"field {number}")
    if wire_type == START_GROUP:
        return _read_group(data, pos, number)
    raise ProtobufError(f"unexpected end-group for field {number}")


def _read_group(data: bytes, pos: int, number: int) -> tuple[bytes, int]:
    """Skip a (deprecated) group iteratively; return its body and the position after it."""
    start = pos
    open_groups = [number]
    while True:
        inner, wire_type, tag_end = _read_tag(data, pos)
        if wire_type == END_GROUP:
            if inner != open_groups[-1]:
                raise ProtobufError(f"end-group {inner} does not close group {open_groups[-1]}")
            open_groups.pop()
            if not open_groups:
                return data[start:pos], tag_end
            pos = tag_end
        elif wire_type == START_GROUP:
            if len(open_groups) >= MAX_GROUP_DEPTH:
                raise ProtobufError(f"groups nested deeper than {MAX_GROUP_DEPTH}")
            open_groups.append(inner)
            pos = tag_end
        else:
            _, pos = _read_value(data, tag_end, inner, wire_type)


def iter_fields(data: bytes) -> Iterator[tuple[int, int, FieldValue]]:
    """Yield (field number, wire type, value) for each field of one message.

    Values are ints for varint and fixed fields, bytes for length-delimited fields and for the
    body of a group.
    """
    pos = 0
    end = len(data)
    while pos < end:
        number, wire_type, pos = _read_tag(data, pos)
        value, pos = _read_value(data, pos, number, wire_type)
        yield number, wire_type, value


def iter_packed(data: bytes, wire_type: int) -> Iterator[int]:
    """Yield the elements of a packed repeated scalar field."""
    if wire_type == VARINT:
        pos = 0
        while pos < len(data):
            value, pos = read_varint(data, pos)
            yield value
        return
    size = 8 if wire_type == FIXED64 else 4
    if len(data) % size:
        raise ProtobufError(f"packed {size * 8}-bit field has {len(data)} bytes")
    for offset in range(0, len(data), size):
        yield int.from_bytes(data[offset : offset + size], "little")


def as_int64(value: int) -> int:
    """Reinterpret an unsigned 64-bit varint as Go's int64."""
    return value - (1 << 64) if value >= 1 << 63 else value


def as_int32(value: int) -> int:
    """Keep the low 32 bits as Go's int32 does."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def as_double(value: int) -> float:
    """Reinterpret the bits of a 64-bit fixed field as an IEEE double."""
    return struct.unpack("<d", value.to_bytes(8, "little"))[0]
