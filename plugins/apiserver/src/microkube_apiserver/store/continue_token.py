"""Opaque ``continue`` tokens: the list's revision and the last key read, base64 JSON.

Like Kubernetes' tokens they carry the revision the first page was read at, so later pages
read the same snapshot; a token whose revision was compacted gets 410 Expired together with a
token (revision -1) that continues from the same key at the latest revision.
"""

from __future__ import annotations

import base64
import binascii
import json

from microkube_apiserver.errors import ApiError, bad_request

__all__ = ["decode_token", "encode_token"]

_VERSION = "meta.k8s.io/v1"


def encode_token(revision: int, start_after: str) -> str:
    raw = json.dumps({"v": _VERSION, "rv": revision, "start": start_after}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token: str, prefix: str) -> tuple[int, str]:
    """``(revision, last key)``; a token for another collection or garbage is a 400."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        revision, start = data["rv"], data["start"]
        if data.get("v") != _VERSION or not isinstance(revision, int):
            raise ValueError("unknown token version")
        if not isinstance(start, str) or not start.startswith(prefix):
            raise ValueError("token is for another collection")
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise _invalid(str(exc)) from None
    return revision, start


def _invalid(detail: str) -> ApiError:
    return bad_request(f"continue key is not valid: {detail}")
