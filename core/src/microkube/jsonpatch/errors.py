"""The one error type every patch function raises, and strict decoding of patch bodies.

The API server answers a ``PatchError`` with a ``Status`` carrying ``code`` and ``reason``:
``400 BadRequest`` for a body that is not a well-formed patch of its type, ``422 Invalid`` for
a well-formed patch that cannot be applied to this object (a failed ``test``, a missing path, a
merge key absent from a list element), ``409 Conflict`` for a server-side apply conflict.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BAD_REQUEST", "CONFLICT", "INVALID", "PatchError", "decode_json"]

BAD_REQUEST = 400
INVALID = 422
CONFLICT = 409

_REASONS = {BAD_REQUEST: "BadRequest", INVALID: "Invalid", CONFLICT: "Conflict"}


class PatchError(ValueError):
    """A patch that was malformed (``code`` 400) or could not be applied (``code`` 422)."""

    def __init__(self, message: str, *, code: int = INVALID) -> None:
        if code not in _REASONS:
            raise ValueError(f"unsupported patch error code {code}")
        super().__init__(message)
        self.message = message
        self.code = code

    @property
    def reason(self) -> str:
        """The ``Status.reason`` Kubernetes uses for this code."""
        return _REASONS[self.code]

    @property
    def kind(self) -> str:
        """``"malformed"`` for a bad patch document, ``"invalid"``/``"conflict"`` otherwise."""
        return {BAD_REQUEST: "malformed", INVALID: "invalid", CONFLICT: "conflict"}[self.code]


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise PatchError(f"duplicate key {key!r} in patch document", code=BAD_REQUEST)
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise PatchError(f"invalid JSON number {name} in patch document", code=BAD_REQUEST)


def decode_json(body: bytes | str) -> Any:
    """Parse a patch body as strict JSON: duplicate object keys and NaN/Infinity are 400s.

    RFC 6902 appendix A.13 requires rejecting ``{"op": "add", ..., "op": "remove"}``; Python's
    ``json`` would silently keep the last value.
    """
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PatchError(f"patch body is not UTF-8: {exc}", code=BAD_REQUEST) from None
    try:
        return json.loads(body, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise PatchError(f"patch body is not valid JSON: {exc}", code=BAD_REQUEST) from None
