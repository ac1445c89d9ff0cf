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
from microkube_apiserver.audit.log import BODY_KEY
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
    # StreamReader.read(n) answers with what has arrived so far (up to n bytes), not the whole
    # body: a body split over TLS records or TCP segments must be read to its end.
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(limit + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise errors.request_entity_too_large(limit)
    data = b"".join(chunks)
    request[BODY_KEY] = data  # for the audit log (Request level)
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON number {name}")


class _Duplicated(dict[str, Any]):
    """A decoded JSON object that had keys more than once (the last value is kept)."""

    keys_twice: list[str]


def _pairs_hook(found: list[_Duplicated]) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        marked = _Duplicated(obj)
        seen: set[str] = set()
        marked.keys_twice = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
        found.append(marked)
        return marked

    return hook


def _duplicate_paths(value: Any, path: str = "") -> list[str]:
    """``duplicate field "spec.template.spec.containers[0].image"`` for every key set twice,
    in document order, as Kubernetes' strict JSON decoder names them."""
    found: list[str] = []
    if isinstance(value, dict):
        for key in getattr(value, "keys_twice", ()):
            found.append(f'duplicate field "{path}.{key}"' if path else f'duplicate field "{key}"')
        for key, item in value.items():
            found += _duplicate_paths(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _duplicate_paths(item, f"{path}[{index}]")
    return found


def decode_body(data: bytes, content_type: str, duplicates: list[str] | None = None) -> Any:
    """The body as JSON values (None for an empty body). With ``duplicates``, keys set twice
    are reported into it as the strict decoders of kube-apiserver word them (for
    ``fieldValidation``); the last value of such a key is the one kept."""
    if not data.strip():
        return None
    if content_type in (JSON, "*/*", "application/*"):
        found: list[_Duplicated] = []
        hook = _pairs_hook(found) if duplicates is not None else None
        try:
            value = json.loads(data, parse_constant=_reject_constant, object_pairs_hook=hook)
        except (ValueError, UnicodeDecodeError) as exc:
            raise errors.bad_request(
                f"couldn't get version/kind; json parse error: {exc}"
            ) from None
        if found and duplicates is not None:
            duplicates += _duplicate_paths(value)
        return without_surrogates(value) if may_have_surrogates(data) else value
    if content_type in (YAML, "application/x-yaml", "text/yaml"):
        try:
            return load_yaml(data, duplicates)
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
