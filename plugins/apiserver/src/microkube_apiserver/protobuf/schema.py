"""Message descriptors as data, written in a small text notation keyed by upstream field numbers.

A schema module holds one text block per API package. A message starts at column 0; each
field is an indented line ``<number> <jsonName> <type>``:

- scalars: ``string``, ``bytes`` (base64 in JSON), ``bool``, ``int32``, ``int64``, ``double``;
- Kubernetes' own wire types: ``time``, ``microtime``, ``duration``, ``quantity``,
  ``intorstring``, ``rawextension``, ``fieldsv1``, ``stringlist`` (a ``repeated string items``
  wrapper such as authentication's ExtraValue);
- messages by name, qualified with a package alias (``meta.ObjectMeta``) outside their package;
- ``[]T`` for repeated fields and ``map[string]T`` for maps;
- ``*scalar`` for a Go pointer and ``scalar!`` for a Go field without ``omitempty``: for those
  two the JSON keeps a zero value that was sent, for every other scalar a zero is omitted,
  exactly as Go's JSON encoder does for the struct the body decodes into;
- the name ``inline`` embeds the message's fields in its parent (Go ``json:",inline"``).

``#`` starts a comment. The facts come from the upstream ``types.go`` struct tags
(``protobuf:"...,<number>,..."`` plus the Go type and JSON tag); no upstream file is copied.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


class SchemaError(Exception):
    """A schema text that is malformed or refers to a message nobody defines."""


class Kind(enum.Enum):
    STRING = "string"
    BYTES = "bytes"
    BOOL = "bool"
    INT32 = "int32"
    INT64 = "int64"
    DOUBLE = "double"
    MESSAGE = "message"
    TIME = "time"
    MICROTIME = "microtime"
    DURATION = "duration"
    QUANTITY = "quantity"
    INTORSTRING = "intorstring"
    RAWEXTENSION = "rawextension"
    FIELDSV1 = "fieldsv1"
    STRINGLIST = "stringlist"


SCALARS = frozenset({Kind.STRING, Kind.BYTES, Kind.BOOL, Kind.INT32, Kind.INT64, Kind.DOUBLE})
NUMERIC = frozenset({Kind.BOOL, Kind.INT32, Kind.INT64, Kind.DOUBLE})


class Shape(enum.Enum):
    SINGLE = "single"
    LIST = "list"
    MAP = "map"


@dataclass(frozen=True, slots=True)
class Field:
    """One field: its number, JSON name (None when inline) and value type."""

    number: int
    json_name: str | None
    kind: Kind
    shape: Shape = Shape.SINGLE
    message: str | None = None
    keep_zero: bool = False

    @property
    def inline(self) -> bool:
        return self.json_name is None

    @property
    def label(self) -> str:
        return self.json_name or f"<inline {self.message}>"


@dataclass(frozen=True, slots=True)
class Message:
    """A message: its qualified name and its fields in declaration (Go struct) order."""

    name: str
    fields: tuple[Field, ...]
    by_number: Mapping[int, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_number", MappingProxyType({f.number: f for f in self.fields}))


_BUILTINS = {kind.value: kind for kind in Kind if kind is not Kind.MESSAGE}
_FIELD_LINE = re.compile(r"^\s+(\d+)\s+(\S+)\s+(\S+)\s*$")
_MESSAGE_LINE = re.compile(r"^([A-Z][A-Za-z0-9]*)\s*$")
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def _parse_type(spec: str, alias: str, where: str) -> tuple[Kind, Shape, str | None, bool]:
    shape = Shape.SINGLE
    if spec.startswith("[]"):
        shape, spec = Shape.LIST, spec[2:]
    elif spec.startswith("map[string]"):
        shape, spec = Shape.MAP, spec[len("map[string]") :]
    pointer = spec.startswith("*")
    required = spec.endswith("!")
    spec = spec.removeprefix("*").removesuffix("!")
    kind = _BUILTINS.get(spec, Kind.MESSAGE)
    if (pointer or required) and (kind not in SCALARS or shape is not Shape.SINGLE):
        raise SchemaError(f"{where}: '*' and '!' apply to single scalars only")
    if pointer and required:
        raise SchemaError(f"{where}: a field is either a pointer or required, not both")
    if kind is not Kind.MESSAGE:
        return kind, shape, None, pointer or required
    qualified = spec if "." in spec else f"{alias}.{spec}"
    package, _, name = qualified.partition(".")
    if not (_IDENT.match(package) and _IDENT.match(name)):
        raise SchemaError(f"{where}: bad type {spec!r}")
    return kind, shape, qualified, False


def parse_schema(alias: str, text: str) -> dict[str, Message]:
    """Parse one package's schema text into messages named ``<alias>.<Name>``."""
    messages: dict[str, Message] = {}
    current: str | None = None
    fields: list[Field] = []

    def close() -> None:
        if current is None:
            return
        if not fields:
            raise SchemaError(f"{current}: message has no fields")
        messages[current] = Message(current, tuple(fields))

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        where = f"{alias} schema line {lineno}"
        if header := _MESSAGE_LINE.match(line):
            close()
            current, fields = f"{alias}.{header.group(1)}", []
            if current in messages:
                raise SchemaError(f"{where}: {current} defined twice")
            continue
        match = _FIELD_LINE.match(line)
        if match is None or current is None:
            raise SchemaError(f"{where}: cannot parse {raw.strip()!r}")
        number, name, spec = int(match.group(1)), match.group(2), match.group(3)
        kind, shape, message, keep_zero = _parse_type(spec, alias, where)
        json_name = None if name == "inline" else name
        if json_name is None and (kind is not Kind.MESSAGE or shape is not Shape.SINGLE):
            raise SchemaError(f"{where}: only a single message can be inline")
        if any(f.number == number for f in fields):
            raise SchemaError(f"{where}: field number {number} repeated in {current}")
        if json_name and any(f.json_name == json_name for f in fields):
            raise SchemaError(f"{where}: JSON name {json_name} repeated in {current}")
        fields.append(Field(number, json_name, kind, shape, message, keep_zero))
    close()
    return messages


@dataclass(frozen=True)
class Registry:
    """Every known message, plus which message an (apiVersion, kind) pair is encoded as."""

    messages: Mapping[str, Message]
    kinds: Mapping[tuple[str, str], str]

    def message(self, name: str) -> Message:
        return self.messages[name]

    def for_kind(self, api_version: str, kind: str) -> Message | None:
        name = self.kinds.get((api_version, kind))
        return None if name is None else self.messages[name]


def build_registry(
    packages: Iterable[tuple[str, str]],
    kinds: Mapping[tuple[str, str], str],
) -> Registry:
    """Parse (alias, text) packages and check that every reference resolves."""
    messages: dict[str, Message] = {}
    for alias, text in packages:
        for name, message in parse_schema(alias, text).items():
            if name in messages:
                raise SchemaError(f"{name} defined in two schema texts")
            messages[name] = message
    for message in messages.values():
        for f in message.fields:
            if f.message is not None and f.message not in messages:
                raise SchemaError(f"{message.name}.{f.label}: unknown message {f.message}")
    for key, name in kinds.items():
        if name not in messages:
            raise SchemaError(f"{key[0]} {key[1]}: unknown message {name}")
    return Registry(MappingProxyType(messages), MappingProxyType(dict(kinds)))
