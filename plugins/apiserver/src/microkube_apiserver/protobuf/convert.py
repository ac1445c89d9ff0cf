"""Turn protobuf messages into the Kubernetes JSON dict Go would produce for the same object.

Which fields appear (Go's gogo marshaller writes every non-pointer field, zero or not):

- a scalar that was sent appears when non-zero; a zero appears only for a Go pointer or a field
  without ``omitempty`` (``*`` and ``!`` in the schema), as Go's JSON encoder does;
- a message that was sent appears, even empty (``status: {}``, ``resources: {}``): Go always
  writes non-pointer structs and ``omitempty`` never drops a struct;
- lists and maps appear when non-empty; a zero Time appears nowhere (Go writes ``null``, which
  the API server treats as absent);
- a field that was not sent never appears, and unknown field numbers are skipped.

A repeated occurrence of a singular message merges into it (its bytes are concatenated before
parsing, which is protobuf's merge rule); a repeated scalar keeps its last value.
"""

from __future__ import annotations

import base64
import math
from collections import defaultdict
from typing import Any

from . import wellknown
from .errors import ProtobufError, UnsupportedKindError
from .schema import NUMERIC, SCALARS, Field, Kind, Message, Registry, Shape
from .wire import (
    FIXED64,
    LEN,
    VARINT,
    WIRE_TYPE_NAMES,
    as_double,
    as_int32,
    as_int64,
    iter_fields,
    iter_packed,
)

MAGIC = b"k8s\x00"
MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAX_DEPTH = 100

_WIRE_TYPE = {Kind.BOOL: VARINT, Kind.INT32: VARINT, Kind.INT64: VARINT, Kind.DOUBLE: FIXED64}
_SPECIALS = {
    Kind.TIME: wellknown.decode_time,
    Kind.MICROTIME: wellknown.decode_microtime,
    Kind.DURATION: wellknown.decode_duration,
    Kind.QUANTITY: wellknown.decode_quantity,
    Kind.INTORSTRING: wellknown.decode_intorstring,
    Kind.FIELDSV1: wellknown.decode_fieldsv1,
    Kind.STRINGLIST: wellknown.decode_stringlist,
}


def _wire_name(wire_type: int) -> str:
    return WIRE_TYPE_NAMES[wire_type]


class Decoder:
    """Decodes messages of one registry; every method is bounded by ``MAX_DEPTH``."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def unknown(self, data: bytes, depth: int = 0) -> dict[str, Any]:
        """A ``runtime.Unknown`` envelope (the bytes after the magic) as a typed JSON object."""
        self._check_depth(depth)
        type_meta: list[bytes] = []
        strings: dict[int, bytes] = {}
        for number, wire_type, value in iter_fields(data):
            if number not in (1, 2, 3, 4):
                continue
            if wire_type != LEN or not isinstance(value, bytes):
                raise ProtobufError(f"envelope field {number}: {_wire_name(wire_type)} wire type")
            if number == 1:
                type_meta.append(value)
            else:
                strings[number] = value
        api_version, kind = self._type_meta(b"".join(type_meta))
        raw = strings.get(2, b"")
        encoding = strings.get(3, b"").decode("utf-8", "replace")
        content_type = strings.get(4, b"").decode("utf-8", "replace")
        if encoding:
            raise ProtobufError(f"unsupported envelope contentEncoding {encoding!r}")
        if content_type == "application/json":
            obj = wellknown.parse_json(raw, f"{kind} body")
            if not isinstance(obj, dict):
                raise ProtobufError(f"{kind} body is JSON but not an object")
            return {"kind": kind, "apiVersion": api_version, **obj}
        if content_type not in ("", MEDIA_TYPE):
            raise ProtobufError(f"unsupported envelope contentType {content_type!r}")
        return {
            "kind": kind,
            "apiVersion": api_version,
            **self.object(raw, api_version, kind, depth),
        }

    def object(self, raw: bytes, api_version: str, kind: str, depth: int = 0) -> dict[str, Any]:
        """The object's own message, chosen by (apiVersion, kind), without apiVersion and kind."""
        message = self.registry.for_kind(api_version, kind)
        if message is None:
            raise UnsupportedKindError(api_version, kind)
        return self.message(raw, message, depth + 1)

    @staticmethod
    def _type_meta(data: bytes) -> tuple[str, str]:
        found: dict[int, str] = {}
        for number, wire_type, value in iter_fields(data):
            if number in (1, 2):
                if wire_type != LEN or not isinstance(value, bytes):
                    raise ProtobufError(
                        f"typeMeta field {number}: {_wire_name(wire_type)} wire type"
                    )
                found[number] = value.decode("utf-8", "replace")
        api_version, kind = found.get(1, ""), found.get(2, "")
        if not kind:
            raise ProtobufError("envelope typeMeta has no kind")
        return api_version, kind

    @staticmethod
    def _check_depth(depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ProtobufError(f"messages nested deeper than {MAX_DEPTH}")

    def message(self, data: bytes, message: Message, depth: int) -> dict[str, Any]:
        """One message as a JSON dict, following the rules in the module docstring."""
        self._check_depth(depth)
        scalars: dict[int, int | bytes] = {}
        numbers: defaultdict[int, list[int]] = defaultdict(list)
        chunks: defaultdict[int, list[bytes]] = defaultdict(list)
        for number, wire_type, value in iter_fields(data):
            field = message.by_number.get(number)
            if field is None:
                continue
            expected = _WIRE_TYPE.get(field.kind, LEN)
            if field.shape is Shape.LIST and field.kind in NUMERIC:
                if wire_type == LEN and isinstance(value, bytes):
                    numbers[number].extend(iter_packed(value, expected))
                    continue
                self._check_wire(message, field, wire_type, expected)
                assert isinstance(value, int)
                numbers[number].append(value)
                continue
            self._check_wire(message, field, wire_type, expected)
            if field.shape is Shape.SINGLE and field.kind in SCALARS:
                scalars[number] = value
            else:
                assert isinstance(value, bytes)
                chunks[number].append(value)
        out: dict[str, Any] = {}
        for field in message.fields:
            self._emit(out, field, scalars, numbers, chunks, depth)
        return out

    @staticmethod
    def _check_wire(message: Message, field: Field, wire_type: int, expected: int) -> None:
        if wire_type != expected:
            raise ProtobufError(
                f"{message.name}.{field.label} (field {field.number}): "
                f"{_wire_name(wire_type)} wire type, expected {_wire_name(expected)}"
            )

    def _emit(
        self,
        out: dict[str, Any],
        field: Field,
        scalars: dict[int, int | bytes],
        numbers: dict[int, list[int]],
        chunks: dict[int, list[bytes]],
        depth: int,
    ) -> None:
        number = field.number
        if field.json_name is None:  # inline: the embedded message's fields join the parent
            if number in chunks:
                out.update(self._value(field, b"".join(chunks[number]), depth))
            return
        name = field.json_name
        if field.shape is Shape.SINGLE and field.kind in SCALARS:
            if number in scalars:
                value = _scalar(field.kind, scalars[number])
                if value or field.keep_zero:
                    out[name] = value
        elif field.shape is Shape.LIST and field.kind in NUMERIC:
            if numbers.get(number):
                out[name] = [_scalar(field.kind, item) for item in numbers[number]]
        elif number not in chunks:
            return
        elif field.shape is Shape.SINGLE:
            value = self._value(field, b"".join(chunks[number]), depth)
            if value is not None:
                out[name] = value
        elif field.shape is Shape.LIST:
            out[name] = [self._value(field, item, depth) for item in chunks[number]]
        else:
            entries = dict(self._map_entry(field, entry, depth) for entry in chunks[number])
            if entries:
                out[name] = entries

    def _value(self, field: Field, data: bytes, depth: int) -> Any:
        """A single element of a non-numeric field from its length-delimited bytes."""
        kind = field.kind
        if kind is Kind.MESSAGE:
            assert field.message is not None
            return self.message(data, self.registry.message(field.message), depth + 1)
        if kind is Kind.RAWEXTENSION:
            return self._raw_extension(data, depth + 1)
        if kind in SCALARS:
            return _scalar(kind, data)
        return _SPECIALS[kind](data)

    def _map_entry(self, field: Field, data: bytes, depth: int) -> tuple[str, Any]:
        key = ""
        scalar: int | bytes | None = None
        parts: list[bytes] = []
        expected = _WIRE_TYPE.get(field.kind, LEN)
        for number, wire_type, value in iter_fields(data):
            if number == 1:
                if wire_type != LEN or not isinstance(value, bytes):
                    raise ProtobufError(
                        f"map key of {field.label}: {_wire_name(wire_type)} wire type"
                    )
                key = value.decode("utf-8", "replace")
            elif number == 2:
                if wire_type != expected:
                    raise ProtobufError(
                        f"map value of {field.label}: {_wire_name(wire_type)} wire type, "
                        f"expected {_wire_name(expected)}"
                    )
                if field.kind in SCALARS:
                    scalar = value  # the last occurrence of a scalar wins
                else:
                    assert isinstance(value, bytes)
                    parts.append(value)  # occurrences of a message merge
        if field.kind in SCALARS:
            zero: int | bytes = 0 if field.kind in NUMERIC else b""
            return key, _scalar(field.kind, zero if scalar is None else scalar)
        return key, self._value(field, b"".join(parts), depth)

    def _raw_extension(self, data: bytes, depth: int) -> Any:
        """runtime.RawExtension {raw}: an embedded protobuf envelope or embedded JSON."""
        self._check_depth(depth)
        raw = b""
        for number, wire_type, value in iter_fields(data):
            if number == 1:
                if wire_type != LEN or not isinstance(value, bytes):
                    raise ProtobufError(f"RawExtension raw: {_wire_name(wire_type)} wire type")
                raw = value
        if not raw:
            return None
        if raw.startswith(MAGIC):
            return self.unknown(raw[len(MAGIC) :], depth + 1)
        return wellknown.parse_json(raw, "RawExtension")


def _scalar(kind: Kind, raw: int | bytes) -> Any:
    if isinstance(raw, bytes):
        if kind is Kind.STRING:
            return raw.decode("utf-8", "replace")
        return base64.b64encode(raw).decode("ascii")
    if kind is Kind.BOOL:
        return raw != 0
    if kind is Kind.INT32:
        return as_int32(raw)
    if kind is Kind.INT64:
        return as_int64(raw)
    value = as_double(raw)
    if not math.isfinite(value):
        raise ProtobufError(f"double {value} has no JSON form")
    return value
