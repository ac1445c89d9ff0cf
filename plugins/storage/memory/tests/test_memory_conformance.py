"""The memory backend passes the storage conformance suite of ``microkube.testing``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from microkube_storage_memory.backend import MemoryStorage
from microkube_storage_memory.options import MemoryOptions

from microkube.contracts.storage import Storage
from microkube.testing.conformance import StorageConformance


class TestMemoryConformance(StorageConformance):
    @pytest.fixture
    async def storage(self) -> AsyncIterator[MemoryStorage]:
        backend = MemoryStorage(MemoryOptions(compaction_interval=0))
        await backend.start()
        yield backend
        await backend.close()

    async def let_time_pass(self, storage: Storage, seconds: float) -> None:
        assert isinstance(storage, MemoryStorage)
        storage.advance_time(seconds)


class TestMemoryConformanceSmallResponses(StorageConformance):
    """Once more with real time, one event per watch response and automatic compaction on."""

    @pytest.fixture
    async def storage(self) -> AsyncIterator[MemoryStorage]:
        options = MemoryOptions(max_batch=1, compaction_interval=60)
        backend = MemoryStorage(options)
        await backend.start()
        yield backend
        await backend.close()
