"""A storage backend seen through an EncryptionConfiguration: values of the configured
resources are encrypted before they reach the backend and decrypted on every way back (get,
range, delete, watch events, conflict errors), so nothing above the store changes and nothing
below it sees plain text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import attrs

from microkube.contracts.storage import (
    KeyValue,
    RangeResult,
    RevisionMismatchError,
    Storage,
    WatchEvent,
    WatchResponse,
)
from microkube_apiserver.encryption.config import EncryptionConfig
from microkube_apiserver.encryption.providers import PREFIX, DecryptError, Identity

__all__ = ["EncryptingStorage"]


class EncryptingStorage:
    def __init__(self, inner: Storage, config: EncryptionConfig) -> None:
        self.inner = inner
        self.config = config

    # -- transforming ---------------------------------------------------------------------

    def _encrypt(self, key: str, value: bytes) -> bytes:
        encryption = self.config.for_key(key)
        return value if encryption is None else encryption.write.encrypt(value, key)

    def _decrypt(self, key: str, value: bytes) -> bytes:
        encryption = self.config.for_key(key)
        if encryption is None or not value:  # a deletion's tombstone has no value
            return value
        if value.startswith(PREFIX):
            for transformer in encryption.read:
                if transformer.prefix and value.startswith(transformer.prefix):
                    return transformer.decrypt(value, key)
            raise DecryptError(f"no configured key can decrypt the value of {key}")
        if any(isinstance(t, Identity) for t in encryption.read):
            return value  # written before encryption was turned on
        raise DecryptError(f"the value of {key} is not encrypted and identity is not allowed")

    def _kv(self, kv: KeyValue | None) -> Any:
        if kv is None:
            return None
        return attrs.evolve(kv, value=self._decrypt(kv.key, kv.value))

    # -- the Storage contract -------------------------------------------------------------

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()

    async def current_revision(self) -> int:
        return await self.inner.current_revision()

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | None:
        return self._kv(await self.inner.get(key, revision=revision))

    async def range(
        self,
        prefix: str,
        *,
        start_after: str | None = None,
        limit: int = 0,
        revision: int = 0,
        count_only: bool = False,
    ) -> RangeResult:
        result = await self.inner.range(
            prefix, start_after=start_after, limit=limit, revision=revision, count_only=count_only
        )
        if count_only or not result.items:
            return result
        return attrs.evolve(result, items=tuple(self._kv(kv) for kv in result.items))

    async def create(self, key: str, value: bytes, *, lease: int = 0) -> int:
        return await self.inner.create(key, self._encrypt(key, value), lease=lease)

    async def update(self, key: str, value: bytes, *, expected_revision: int) -> int:
        try:
            return await self.inner.update(
                key, self._encrypt(key, value), expected_revision=expected_revision
            )
        except RevisionMismatchError as exc:
            raise RevisionMismatchError(key, self._kv(exc.current)) from None

    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        try:
            return self._kv(await self.inner.delete(key, expected_revision=expected_revision))
        except RevisionMismatchError as exc:
            raise RevisionMismatchError(key, self._kv(exc.current)) from None

    def watch(self, prefix: str, *, start_revision: int) -> _DecryptingWatch:
        return _DecryptingWatch(self, self.inner.watch(prefix, start_revision=start_revision))

    async def compact(self, revision: int) -> None:
        await self.inner.compact(revision)

    async def grant_lease(self, ttl_seconds: int) -> int:
        return await self.inner.grant_lease(ttl_seconds)

    async def revoke_lease(self, lease_id: int) -> None:
        await self.inner.revoke_lease(lease_id)

    def __getattr__(self, name: str) -> Any:
        # backend extras (e.g. a benchmark's statistics) stay reachable
        return getattr(self.inner, name)


class _DecryptingWatch:
    def __init__(self, storage: EncryptingStorage, inner: Any) -> None:
        self._storage = storage
        self._inner = inner

    def __aiter__(self) -> AsyncIterator[WatchResponse]:
        return self._responses()

    async def _responses(self) -> AsyncIterator[WatchResponse]:
        kv = self._storage._kv
        async for response in self._inner:
            if response.events:
                events = tuple(
                    WatchEvent(type=e.type, kv=kv(e.kv), prev_kv=kv(e.prev_kv))
                    for e in response.events
                )
                response = attrs.evolve(response, events=events)
            yield response

    async def close(self) -> None:
        await self._inner.close()

    def request_progress(self) -> None:
        self._inner.request_progress()
