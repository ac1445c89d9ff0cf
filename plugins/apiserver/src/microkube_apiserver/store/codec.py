"""Stored values: compact JSON of the object without its resourceVersion.

The resourceVersion is the key's ``mod_revision``, set on every read, so a value never
carries a stale one.

A value written here marks the end of its top-level ``metadata`` with a raw newline just
before metadata's closing brace: JSON ignores it (``json.loads`` reads the object unchanged),
and compact ``json.dumps`` output never holds one (strings escape control characters), so
the one newline in a value is that mark. :func:`json_at` uses it to put the resourceVersion
into a value's bytes without decoding them, which is what makes a large list cheap. Values
without the mark (written before it, or with a non-object metadata) take the decoding path.
"""

from __future__ import annotations

import json
from typing import Any

from microkube.contracts.storage import KeyValue

__all__ = ["decode", "decode_at", "dumps", "encode", "json_at"]

_MARK = b"\n"
#: ``json.dumps(..., separators=(",", ":"), ensure_ascii=False)`` without building an encoder
#: per call (that costs more than encoding a short string).
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(obj: Any) -> str:
    """Compact JSON as the API server answers it (UTF-8, not ASCII-escaped)."""
    return _ENCODER.encode(obj)


def encode(obj: dict[str, Any]) -> bytes:
    """The bytes stored for ``obj`` (its ``metadata.resourceVersion`` left out)."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict) or not all(isinstance(key, str) for key in obj):
        return dumps(obj).encode()
    if "resourceVersion" in metadata:
        metadata = {k: v for k, v in metadata.items() if k != "resourceVersion"}
    members = []
    for key, value in obj.items():
        if key == "metadata":
            text = dumps(metadata)
            members.append(f'"metadata":{text[:-1]}\n}}')
        else:
            members.append(f"{dumps(key)}:{dumps(value)}")
    return ("{" + ",".join(members) + "}").encode()


def decode_at(value: bytes, revision: int) -> dict[str, Any]:
    """The object stored as ``value``, with ``metadata.resourceVersion`` = ``revision``."""
    obj = json.loads(value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(revision)
    return obj


def decode(kv: KeyValue) -> dict[str, Any]:
    return decode_at(kv.value, kv.mod_revision)


def json_at(value: bytes, revision: int) -> bytes:
    """``dumps(decode_at(value, revision))`` as bytes, spliced without decoding when it can."""
    mark = value.find(_MARK)
    if mark > 0 and value[mark + 1 : mark + 2] == b"}" and value.find(_MARK, mark + 1) < 0:
        comma = b"" if value[mark - 1 : mark] == b"{" else b","
        return b'%s%s"resourceVersion":"%d"%s' % (value[:mark], comma, revision, value[mark + 1 :])
    return dumps(decode_at(value, revision)).encode()
