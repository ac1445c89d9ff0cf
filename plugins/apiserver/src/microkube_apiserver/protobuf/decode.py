"""Decode ``application/vnd.kubernetes.protobuf`` request bodies into Kubernetes JSON dicts."""

from __future__ import annotations

from typing import Any

from .convert import MAGIC, Decoder
from .errors import ProtobufError
from .kinds import default_registry
from .schema import Registry


def decode_envelope(body: bytes | bytearray | memoryview, registry: Registry | None = None) -> dict:
    """Decode a whole body: the ``k8s\\x00`` magic, then a ``runtime.Unknown`` envelope.

    Returns the JSON dict the same object would have had as a JSON body, with ``kind`` and
    ``apiVersion`` from the envelope. Raises ``UnsupportedKindError`` (``http_status`` 415) for
    an (apiVersion, kind) without a schema and ``ProtobufError`` (400) for anything malformed.
    """
    data = bytes(body)
    if not data.startswith(MAGIC):
        raise ProtobufError("body does not start with the Kubernetes protobuf magic k8s\\x00")
    return Decoder(registry or default_registry()).unknown(data[len(MAGIC) :])


def decode_object(
    raw: bytes, api_version: str, kind: str, registry: Registry | None = None
) -> dict[str, Any]:
    """Decode one object's own message (no magic, no envelope) as ``kind`` in ``api_version``."""
    obj = Decoder(registry or default_registry()).object(bytes(raw), api_version, kind)
    return {"kind": kind, "apiVersion": api_version, **obj}


def supported_kinds() -> frozenset[tuple[str, str]]:
    """The (apiVersion, kind) pairs this decoder has schemas for."""
    return frozenset(default_registry().kinds)
