"""Request bodies: size limit, then JSON, YAML or Kubernetes protobuf by Content-Type.

A body over the limit is ``413 RequestEntityTooLarge`` (``Request entity too large: limit is
3145728``, as kube-apiserver says); one that does not parse is a 400; an unknown media type
is a 415 listing what is accepted.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from microkube_apiserver import errors
from microkube_apiserver.protobuf import MEDIA_TYPE as PROTOBUF
from microkube_apiserver.protobuf import ProtobufError, decode_envelope
from microkube_apiserver.yamljson import (
    YAMLError,
    load_yaml,
    may_have_surrogates,
    without_surrogates,
)

__all__ = ["ACCEPTED", "decode_body", "media_type", "read_body"]

JSON = "application/json"
YAML = "application/yaml"
ACCEPTED = (JSON, YAML, PROTOBUF)


def media_type(request: web.BaseRequest) -> str:
    """The Content-Type without parameters, lower-cased (``application/json`` if absent)."""
    raw = request.headers.get("Content-Type", "")
    return raw.split(";", 1)[0].strip().lower() or JSON


async def read_body(request: web.BaseRequest, limit: int) -> bytes:
    length = request.content_length
    if length is not None and length > limit:
        raise errors.request_entity_too_large(limit)
    data = await request.content.read(limit + 1)
    if len(data) > limit:
        raise errors.request_entity_too_large(limit)
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON number {name}")


def decode_body(data: bytes, content_type: str) -> Any:
    """The body as JSON values (None for an empty body)."""
    if not data.strip():
        return None
    if content_type in (JSON, "*/*", "application/*"):
        try:
            value = json.loads(data, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise errors.bad_request(
                f"couldn't get version/kind; json parse error: {exc}"
            ) from None
        return without_surrogates(value) if may_have_surrogates(data) else value
    if content_type in (YAML, "application/x-yaml", "text/yaml"):
        try:
            return load_yaml(data)
        except YAMLError as exc:
            raise errors.bad_request(f"error converting YAML to JSON: {exc}") from None
    if content_type == PROTOBUF:
        try:
            return decode_envelope(data)
        except ProtobufError as exc:
            if exc.http_status == 415:
                raise errors.ApiError(415, "UnsupportedMediaType", str(exc)) from None
            raise errors.bad_request(str(exc)) from None
    raise errors.unsupported_media_type(content_type, ACCEPTED)
