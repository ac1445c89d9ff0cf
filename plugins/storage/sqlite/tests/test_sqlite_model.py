"""Property test: any sequence of writes, leases and compactions leaves the sqlite backend
exactly where it leaves the kit's in-memory FakeStorage — every read at every surviving
revision, and the watch history, included."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from microkube_storage_sqlite.backend import SqliteStorage
from microkube_storage_sqlite.options import SqliteOptions

from microkube.contracts.storage import KeyValue, Storage, StorageError
from microkube.testing.fakes import FakeStorage

KEYS = ["/m/a", "/m/b", "/m/a/x", "/m/é", "/n/a"]

keys = st.sampled_from(KEYS)
values = st.binary(max_size=40)
# expected_revision: 0 (any), the key's current revision, or a stale one
expectations = st.sampled_from(["any", "current", "stale"])
operations = st.lists(
    st.one_of(
        st.tuples(st.just("create"), keys, values, st.booleans()),
        st.tuples(st.just("update"), keys, values, expectations),
        st.tuples(st.just("delete"), keys, expectations),
        st.tuples(st.just("compact"), st.integers(min_value=0, max_value=3)),
        st.tuples(st.just("grant"), st.just(None)),
        st.tuples(st.just("revoke"), st.integers(min_value=0, max_value=3)),
    ),
    max_size=40,
)


@attrs.define
class Run:
    """One backend under test. Lease ids differ between backends; the order in which the
    run granted them does not, so results are compared with ids replaced by that order."""

    storage: Storage
    live: list[int] = attrs.field(factory=list)
    granted: list[int] = attrs.field(factory=list)

    def norm(self, kv: KeyValue | None) -> KeyValue | None:
        if kv is None or not kv.lease:
            return kv
        return attrs.evolve(kv, lease=self.granted.index(kv.lease) + 1)

    async def expected(self, key: str, how: str) -> int:
        kv = await self.storage.get(key)
        current = 0 if kv is None else kv.mod_revision
        return {"any": 0, "current": current, "stale": max(1, current - 1)}[how]

    async def apply(self, op: tuple[Any, ...]) -> object:
        """Run one operation; return its result or the type of the error it raised."""
        storage = self.storage
        try:
            match op:
                case ("create", key, value, leased):
                    lease = self.live[-1] if leased and self.live else 0
                    return await storage.create(key, value, lease=lease)
                case ("update", key, value, how):
                    expected = await self.expected(key, how)
                    return await storage.update(key, value, expected_revision=expected)
                case ("delete", key, how):
                    expected = await self.expected(key, how)
                    return self.norm(await storage.delete(key, expected_revision=expected))
                case ("compact", back):
                    return await storage.compact(await storage.current_revision() - back)
                case ("grant", _):
                    lease = await storage.grant_lease(600)
                    self.live.append(lease)
                    self.granted.append(lease)
                    return len(self.granted)
                case ("revoke", index):
                    if index < len(self.live):
                        await storage.revoke_lease(self.live.pop(index))
                    return None
        except StorageError as exc:
            return type(exc)
        raise AssertionError(op)

    async def state_at(self, revision: int) -> list[object]:
        """Everything a client can read at ``revision``."""
        found: list[object] = []
        for kwargs in ({}, {"limit": 2}, {"start_after": "/m/a"}, {"count_only": True}):
            result = await self.storage.range("/m/", revision=revision, **kwargs)
            found.append(attrs.evolve(result, items=tuple(map(self.norm, result.items))))
        for key in KEYS:
            found.append(self.norm(await self.storage.get(key, revision=revision)))
        return found

    async def history(self, start: int, end: int) -> list[tuple[object, ...]]:
        """The events from ``start`` to ``end`` as a watch replays them. PUT events may
        leave ``prev_kv`` out, so only DELETE events' ``prev_kv`` is compared."""
        watch = self.storage.watch("/", start_revision=start)
        found: list[tuple[object, ...]] = []
        async with asyncio.timeout(5):
            async for response in watch:
                for e in response.events:
                    prev = self.norm(e.prev_kv) if e.type.value == "DELETE" else None
                    found.append((e.type, self.norm(e.kv), prev))
                if response.revision >= end:
                    break
        await watch.close()
        return found


async def _compare(ops: list[tuple[Any, ...]], directory: Path) -> None:
    options = SqliteOptions(compaction_interval=0, watch_cache_size=4, progress_interval=0.2)
    sqlite = Run(SqliteStorage(directory / "model.sqlite", options))
    fake = Run(FakeStorage(progress_interval=0.2))
    await sqlite.storage.start()
    await fake.storage.start()
    try:
        for op in ops:
            assert await sqlite.apply(op) == await fake.apply(op), op
        end = await fake.storage.current_revision()
        assert await sqlite.storage.current_revision() == end
        assert isinstance(fake.storage, FakeStorage)
        first = max(fake.storage.compacted_revision, 1)
        for at in range(first, end + 1):
            assert await sqlite.state_at(at) == await fake.state_at(at), at
        if end:
            assert await sqlite.history(first, end) == await fake.history(first, end)
    finally:
        await sqlite.storage.close()
        await fake.storage.close()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations)
def test_sqlite_behaves_like_the_reference_fake(ops):
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(asyncio.wait_for(_compare(ops, Path(tmp)), 30))
