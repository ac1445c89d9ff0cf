"""Fixtures of the sqlite backend's tests: a controllable clock and an opener that closes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from microkube_storage_sqlite.backend import SqliteStorage
from microkube_storage_sqlite.options import SqliteOptions


class FakeClock:
    """Wall-clock seconds that move only when a test says so (lease deadlines)."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


#: ``await open_storage(path=None, **options)``: a started backend, closed at teardown.
OpenStorage = Callable[..., Awaitable[SqliteStorage]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db.sqlite"


@pytest.fixture
async def open_storage(db_path: Path, clock: FakeClock) -> AsyncIterator[OpenStorage]:
    opened: list[SqliteStorage] = []

    async def open_(path: Path | None = None, **options: Any) -> SqliteStorage:
        options.setdefault("compaction_interval", 0)
        storage = SqliteStorage(path or db_path, SqliteOptions(**options), clock=clock)
        await storage.start()
        opened.append(storage)
        return storage

    yield open_
    for storage in opened:
        await storage.close()
