"""JSON answers with ``Warning`` headers, and Status answers for errors."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from aiohttp import web

from microkube_apiserver.errors import ApiError

__all__ = ["encode", "error_response", "json_response", "warning_header"]


def encode(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def warning_header(text: str) -> str:
    """RFC 7234 warning with Kubernetes' code 299 and no agent: ``299 - "text"``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'299 - "{escaped}"'


def _sendable(text: str) -> bool:
    """kube-apiserver drops a warning whose text has a control character (it cannot be a
    header value); other characters go as they are."""
    return bool(text) and not any(unicodedata.category(c) == "Cc" for c in text)


def json_response(code: int, body: Any, warnings: list[str] | None = None) -> web.Response:
    """``body`` as JSON; ``bytes`` are taken as already encoded JSON."""
    data = body if isinstance(body, bytes) else encode(body)
    response = web.Response(status=code, body=data, content_type="application/json")
    for text in dict.fromkeys(warnings or ()):
        if _sendable(text):
            response.headers.add("Warning", warning_header(text))
    return response


def error_response(error: ApiError) -> web.Response:
    return json_response(error.code, error.status())
