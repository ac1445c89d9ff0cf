"""Stored values: compact JSON of the object without its resourceVersion.

The resourceVersion is the key's ``mod_revision``, set on every read, so a value never
carries a stale one.
"""

from __future__ import annotations

import json
from typing import Any

from microkube.contracts.storage import KeyValue

__all__ = ["decode", "decode_at", "encode"]


def encode(obj: dict[str, Any]) -> bytes:
    """The bytes stored for ``obj`` (its ``metadata.resourceVersion`` left out)."""
    metadata = obj.get("metadata")
    if isinstance(metadata, dict) and "resourceVersion" in metadata:
        obj = {**obj, "metadata": {k: v for k, v in metadata.items() if k != "resourceVersion"}}
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def decode_at(value: bytes, revision: int) -> dict[str, Any]:
    """The object stored as ``value``, with ``metadata.resourceVersion`` = ``revision``."""
    obj = json.loads(value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(revision)
    return obj


def decode(kv: KeyValue) -> dict[str, Any]:
    return decode_at(kv.value, kv.mod_revision)
