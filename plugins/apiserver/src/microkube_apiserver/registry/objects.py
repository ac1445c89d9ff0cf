"""Reading and writing one resource's objects as Kubernetes JSON, errors mapped to Statuses."""

from __future__ import annotations

from typing import Any

from microkube.contracts.storage import KeyValue
from microkube_apiserver import errors
from microkube_apiserver.registry.context import Api, Target
from microkube_apiserver.store import codec

__all__ = ["decode", "decode_at", "encode", "read", "read_kv"]


def decode_at(target: Target, value: bytes, revision: int) -> dict[str, Any]:
    """A stored value as ``target`` serves it, at ``revision``."""
    obj = codec.decode_at(value, revision)
    conversion = target.conversion
    return obj if conversion is None else conversion.from_storage(obj)


def decode(target: Target, kv: KeyValue) -> dict[str, Any]:
    return decode_at(target, kv.value, kv.mod_revision)


def encode(target: Target, obj: dict[str, Any]) -> bytes:
    """The bytes stored for ``obj`` as ``target`` serves it."""
    conversion = target.conversion
    return codec.encode(obj if conversion is None else conversion.to_storage(obj))


async def read_kv(api: Api, target: Target) -> KeyValue:
    """The stored key of ``target``; 404 NotFound when absent."""
    kv = await api.storage.get(target.key)
    if kv is None:
        raise errors.not_found(target.group, target.plural, target.name)
    return kv


async def read(api: Api, target: Target) -> tuple[dict[str, Any], KeyValue]:
    kv = await read_kv(api, target)
    return decode(target, kv), kv
