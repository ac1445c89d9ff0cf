"""The wire reader: every value kind, every malformation; fuzzing lets only ProtobufError out."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from microkube_apiserver.protobuf import MAGIC, ProtobufError, decode_envelope, decode_object
from microkube_apiserver.protobuf.kinds import KINDS
from microkube_apiserver.protobuf.wire import (
    FIXED32,
    FIXED64,
    LEN,
    START_GROUP,
    VARINT,
    as_double,
    as_int32,
    as_int64,
    iter_fields,
    iter_packed,
    read_varint,
)


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def tag(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (b"\x00", 0),
        (b"\x7f", 127),
        (b"\x80\x01", 128),
        (b"\xac\x02", 300),
        (b"\xff" * 9 + b"\x01", 2**64 - 1),
        (b"\x80\x80\x80\x80\x00", 0),  # non-minimal encodings are legal
    ],
)
def test_read_varint(data: bytes, value: int) -> None:
    assert read_varint(data, 0) == (value, len(data))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "truncated varint"),
        (b"\x80\x80", "truncated varint"),
        (b"\xff" * 9 + b"\x02", "overflows 64 bits"),
        (b"\xff" * 10 + b"\x01", "overflows 64 bits"),
    ],
)
def test_read_varint_rejects(data: bytes, message: str) -> None:
    with pytest.raises(ProtobufError, match=message):
        read_varint(data, 0)


def test_iter_fields_reads_every_wire_type() -> None:
    group_body = tag(1, VARINT) + varint(7) + tag(2, START_GROUP) + tag(2, 4)
    data = (
        tag(1, VARINT)
        + varint(150)
        + tag(2, FIXED64)
        + struct.pack("<d", 1.5)
        + tag(3, LEN)
        + varint(3)
        + b"abc"
        + tag(4, FIXED32)
        + (7).to_bytes(4, "little")
        + tag(5, START_GROUP)
        + group_body
        + tag(5, 4)
        + tag(536870911, VARINT)
        + varint(1)
    )
    fields = list(iter_fields(data))
    assert fields[0] == (1, VARINT, 150)
    assert fields[1][:2] == (2, FIXED64) and as_double(fields[1][2]) == 1.5
    assert fields[2] == (3, LEN, b"abc")
    assert fields[3] == (4, FIXED32, 7)
    assert fields[4] == (5, START_GROUP, group_body)
    assert fields[5] == (536870911, VARINT, 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (tag(1, LEN) + varint(5) + b"abc", "truncated field 1: needs 5 bytes, 3 remain"),
        (tag(1, LEN) + varint(2**62), "truncated field 1: needs 4611686018427387904 bytes"),
        (tag(2, FIXED64) + b"\x00" * 7, "truncated 64-bit field 2"),
        (tag(2, FIXED32) + b"\x00" * 3, "truncated 32-bit field 2"),
        (tag(1, VARINT), "truncated varint"),
        (tag(3, 6), "invalid wire type 6 for field 3"),
        (tag(3, 7), "invalid wire type 7 for field 3"),
        (tag(0, VARINT) + b"\x01", "invalid field number 0"),
        (varint(2**29 << 3), "invalid field number 536870912"),
        (tag(4, 4), "unexpected end-group for field 4"),
        (tag(4, START_GROUP) + tag(5, 4), "end-group 5 does not close group 4"),
        (tag(4, START_GROUP) + tag(1, VARINT) + b"\x01", "truncated varint"),
        (tag(4, START_GROUP) * 101, "groups nested deeper than 100"),
    ],
)
def test_iter_fields_rejects_malformed_input(data: bytes, message: str) -> None:
    with pytest.raises(ProtobufError, match=message):
        list(iter_fields(data))


def test_packed_values() -> None:
    assert list(iter_packed(varint(1) + varint(300) + varint(2**64 - 5), VARINT)) == [
        1,
        300,
        2**64 - 5,
    ]
    assert list(iter_packed(struct.pack("<II", 1, 2), FIXED32)) == [1, 2]
    assert list(iter_packed(struct.pack("<Q", 9), FIXED64)) == [9]
    with pytest.raises(ProtobufError, match="packed 64-bit field has 9 bytes"):
        list(iter_packed(b"\x00" * 9, FIXED64))
    with pytest.raises(ProtobufError, match="truncated varint"):
        list(iter_packed(b"\x80", VARINT))


def test_integer_reinterpretation() -> None:
    assert as_int64(2**64 - 1) == -1
    assert as_int64(2**63 - 1) == 2**63 - 1
    assert as_int32(2**64 - 2) == -2  # a negative int32 is sent as a 10-byte varint
    assert as_int32(2**31) == -(2**31)
    assert as_int32(2**32 + 5) == 5  # Go keeps the low 32 bits


FUZZ = settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=512))
def test_random_bytes_only_raise_protobuf_error(data: bytes) -> None:
    try:
        fields = list(iter_fields(data))
    except ProtobufError as exc:
        assert "\n" not in str(exc)
    else:
        assert all(1 <= number < 2**29 for number, _, _ in fields)


@FUZZ
@given(st.binary(max_size=512))
def test_random_envelopes_only_raise_protobuf_error(data: bytes) -> None:
    try:
        result = decode_envelope(MAGIC + data)
    except ProtobufError as exc:
        assert "\n" not in str(exc)
    else:
        assert result["kind"]
        json.dumps(result, allow_nan=False)  # the result is plain JSON


KIND_KEYS = sorted(KINDS)


@st.composite
def messages(draw: st.DrawFn, depth: int = 0) -> bytes:
    """Structurally valid protobuf with field numbers and wire types that often collide."""
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        number = draw(st.integers(1, 40))
        wire_type = draw(st.sampled_from([VARINT, FIXED64, LEN, FIXED32]))
        if wire_type == VARINT:
            parts.append(tag(number, VARINT) + varint(draw(st.integers(0, 2**64 - 1))))
        elif wire_type == FIXED64:
            parts.append(tag(number, FIXED64) + draw(st.binary(min_size=8, max_size=8)))
        elif wire_type == FIXED32:
            parts.append(tag(number, FIXED32) + draw(st.binary(min_size=4, max_size=4)))
        else:
            body = (
                draw(messages(depth + 1))
                if depth < 4 and draw(st.booleans())
                else draw(st.binary(max_size=24))
            )
            parts.append(tag(number, LEN) + varint(len(body)) + body)
    return b"".join(parts)


@FUZZ
@given(st.sampled_from(KIND_KEYS), messages())
def test_structured_fuzz_only_raises_protobuf_error(key: tuple[str, str], data: bytes) -> None:
    api_version, kind = key
    try:
        result = decode_object(data, api_version, kind)
    except ProtobufError as exc:
        assert "\n" not in str(exc)
    else:
        assert (result["apiVersion"], result["kind"]) == key
        json.dumps(result, allow_nan=False)
