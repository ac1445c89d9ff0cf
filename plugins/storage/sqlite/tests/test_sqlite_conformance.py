"""The sqlite backend passes the storage conformance suite of ``microkube.testing``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from microkube_storage_sqlite.backend import SqliteStorage
from microkube_storage_sqlite.options import SqliteOptions

from microkube.contracts.storage import Storage
from microkube.testing.conformance import StorageConformance


class TestSqliteConformance(StorageConformance):
    """Default options; the lease clock is moved by the test instead of sleeping."""

    @pytest.fixture
    async def storage(self, open_storage, clock) -> AsyncIterator[SqliteStorage]:
        self.clock = clock
        yield await open_storage()

    async def let_time_pass(self, storage: Storage, seconds: float) -> None:
        assert isinstance(storage, SqliteStorage)
        self.clock.advance(seconds)
        await storage.expire_leases()


class TestSqliteConformanceSmallBuffers(StorageConformance):
    """Once more with real time, two writes per transaction and a three-event watch ring, so
    watch replays come from the history table and slow watchers overflow their queues."""

    @pytest.fixture
    async def storage(self, db_path) -> AsyncIterator[SqliteStorage]:
        options = SqliteOptions(
            max_batch=2, watch_cache_size=3, watch_buffer_limit=4, compaction_interval=0
        )
        backend = SqliteStorage(db_path, options)
        await backend.start()
        yield backend
        await backend.close()
