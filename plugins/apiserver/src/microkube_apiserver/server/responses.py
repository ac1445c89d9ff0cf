"""JSON answers with ``Warning`` headers, and Status answers for errors."""

from __future__ import annotations

import json
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


def json_response(code: int, body: Any, warnings: list[str] | None = None) -> web.Response:
    response = web.Response(status=code, body=encode(body), content_type="application/json")
    for text in dict.fromkeys(warnings or ()):
        response.headers.add("Warning", warning_header(text))
    return response


def error_response(error: ApiError) -> web.Response:
    return json_response(error.code, error.status())
