"""Reading and writing one resource's objects as Kubernetes JSON, errors mapped to Statuses."""

from __future__ import annotations

from typing import Any

from microkube.contracts.storage import KeyValue
from microkube_apiserver import errors
from microkube_apiserver.registry.context import Api, Target
from microkube_apiserver.store import codec

__all__ = ["read", "read_kv"]


async def read_kv(api: Api, target: Target) -> KeyValue:
    """The stored key of ``target``; 404 NotFound when absent."""
    kv = await api.storage.get(target.key)
    if kv is None:
        raise errors.not_found(target.group, target.plural, target.name)
    return kv


async def read(api: Api, target: Target) -> tuple[dict[str, Any], KeyValue]:
    kv = await read_kv(api, target)
    return codec.decode(kv), kv
