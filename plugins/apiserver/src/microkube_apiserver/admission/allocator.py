"""A range of values (IPs, ports) handed out through the store, so restarts never reuse one.

Each allocated value is a key ``/registry/ranges/<name>/<value>`` created with the store's
create-if-absent; its value names the owner (namespace, name and uid of the object) and when
it was taken. Only the owner's uid frees a value, so a failed write never frees what another
object holds. A value whose owner does not exist a minute after it was taken is a leftover of
a write that never completed (a crash between allocating and storing) and is taken back, as
kube-apiserver's repair loops do.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable

from microkube.contracts.storage import KeyExistsError, Storage, StorageError
from microkube_apiserver.store import keys

__all__ = ["Owner", "RangeAllocator"]

_STALE_AFTER = 60.0

#: (namespace, name, uid) of the object holding a value.
Owner = tuple[str, str, str]


def _record(kv_value: bytes) -> dict | None:
    try:
        record = json.loads(kv_value)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


class RangeAllocator:
    """Values ``value_of(i)`` for ``i`` in ``[first, size)``; dynamic allocation picks from
    ``[dynamic_from, size)`` first (the lower band stays for requested values), then the rest.
    """

    def __init__(
        self,
        storage: Storage,
        name: str,
        value_of: Callable[[int], str],
        size: int,
        *,
        first: int = 0,
        dynamic_from: int = 0,
        owner_key: Callable[[str, str], str] | None = None,
    ) -> None:
        self.storage = storage
        self.prefix = f"{keys.ROOT}ranges/{name}/"
        self._value_of = value_of
        self._size = size
        self._first = first
        self._dynamic_from = max(dynamic_from, first)
        self._owner_key = owner_key

    def _key(self, value: str) -> str:
        return self.prefix + value

    async def taken(self) -> set[str]:
        page = await self.storage.range(self.prefix)
        return {kv.key[len(self.prefix) :] for kv in page.items}

    async def reserve(self, value: str, owner: Owner, *, dry_run: bool = False) -> bool:
        """Take ``value`` for ``owner``; False when another object holds it."""
        key = self._key(value)
        kv = await self.storage.get(key)
        if kv is not None:
            record = _record(kv.value) or {}
            if record.get("uid") == owner[2]:
                return True
            if not await self._stale(record):
                return False
        if dry_run:
            return True
        data = json.dumps(
            {"namespace": owner[0], "name": owner[1], "uid": owner[2], "at": time.time()}
        ).encode()
        try:
            if kv is None:
                await self.storage.create(key, data)
            else:
                await self.storage.update(key, data, expected_revision=kv.mod_revision)
        except (KeyExistsError, StorageError):
            return False
        return True

    async def _stale(self, record: dict) -> bool:
        """Held by an object that does not exist (or is another one by now), for a while."""
        if self._owner_key is None:
            return False
        try:
            taken_at = float(record["at"])
            holder_key = self._owner_key(record["namespace"], record["name"])
        except (KeyError, TypeError, ValueError):
            return False
        if time.time() - taken_at < _STALE_AFTER:
            return False
        kv = await self.storage.get(holder_key)
        if kv is None:
            return True
        holder = _record(kv.value) or {}
        return (holder.get("metadata") or {}).get("uid") != record.get("uid")

    async def allocate(self, owner: Owner, *, dry_run: bool = False) -> str | None:
        """A free value for ``owner``; None when the range is full."""
        taken = await self.taken()
        span = self._size - self._dynamic_from
        order: list[range] = []
        if span > 0:
            start = self._dynamic_from + random.randrange(span)
            order += [range(start, self._size), range(self._dynamic_from, start)]
        order.append(range(self._first, self._dynamic_from))
        for indices in order:
            for index in indices:
                value = self._value_of(index)
                if value in taken:
                    continue
                if await self.reserve(value, owner, dry_run=dry_run):
                    return value
        return None

    async def free(self, value: str, uid: str) -> None:
        """Give ``value`` back if the object ``uid`` holds it."""
        key = self._key(value)
        kv = await self.storage.get(key)
        if kv is None or (_record(kv.value) or {}).get("uid") != uid:
            return
        with contextlib.suppress(StorageError):
            await self.storage.delete(key, expected_revision=kv.mod_revision)
