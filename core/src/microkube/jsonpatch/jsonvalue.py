"""JSON value semantics the patch formats share: equality and type names.

Python's ``True == 1`` and ``1 == 1.0`` are both true; in JSON the first pair differs (a boolean
is not a number) and the second is the same number. Every comparison a patch makes (``test``
operations, merge-key matching, set membership) goes through ``json_equal``.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["canonical", "json_equal", "json_kind"]


def json_kind(value: Any) -> str:
    """``object``, ``array``, ``string``, ``number``, ``boolean`` or ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def json_equal(a: Any, b: Any) -> bool:
    """Structural JSON equality (RFC 6902 §4.6): same kind, same value, object keys unordered."""
    kind = json_kind(a)
    if kind != json_kind(b):
        return False
    if kind == "object":
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if kind == "array":
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def canonical(value: Any) -> str:
    """A hashable text equal for JSON-equal values (used to key sets and list items)."""
    return json.dumps(_normalize(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _normalize(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    return value
