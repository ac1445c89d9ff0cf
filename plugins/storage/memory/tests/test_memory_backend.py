"""What the memory backend adds to the kit's FakeStorage: no call log, compaction on a timer,
options from the configuration; and its wiring as a plugin."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from importlib.metadata import entry_points

import microkube_storage_memory
import pytest
from microkube_storage_memory.backend import MemoryStorage
from microkube_storage_memory.options import MemoryOptions, parse_options

from microkube.config import ConfigError
from microkube.contracts import FactoryContext
from microkube.contracts.storage import CompactedError, Storage
from microkube.plugins import load_plugins, registry_for

HOOK = "microkube_storage_backends"


async def test_keeps_no_call_log():
    storage = MemoryStorage()
    await storage.start()
    try:
        for i in range(50):
            await storage.create(f"/k/{i}", b"v")
            await storage.get(f"/k/{i}")
        assert storage.calls == []
    finally:
        await storage.close()


async def test_periodic_compaction_keeps_the_last_revisions():
    storage = MemoryStorage(
        MemoryOptions(
            compaction_interval=0.05, compaction_retain_revisions=3, compaction_retain_seconds=0
        )
    )
    await storage.start()
    try:
        first = await storage.create("/p", b"0")
        for i in range(1, 10):
            await storage.update("/p", str(i).encode(), expected_revision=0)
        current = await storage.current_revision()
        for _ in range(250):  # up to 5 s
            if storage.compacted_revision:
                break
            await asyncio.sleep(0.02)
        assert storage.compacted_revision == current - 3
        with pytest.raises(CompactedError):
            await storage.get("/p", revision=first)
        kv = await storage.get("/p", revision=current - 3)
        assert kv is not None and kv.value == b"6"
    finally:
        await storage.close()


async def test_options_reach_the_store():
    storage = MemoryStorage(MemoryOptions(progress_interval=0.05, compaction_interval=0))
    await storage.start()
    try:
        watch = storage.watch("/quiet/", start_revision=0)
        rev = await storage.create("/elsewhere", b"v")
        async with asyncio.timeout(5):
            response = await anext(aiter(watch))
        assert response.events == () and response.revision == rev
        await watch.close()
    finally:
        await storage.close()


async def test_close_right_after_a_lease_grant_is_prompt():
    storage = MemoryStorage(MemoryOptions(compaction_interval=0))
    await storage.start()
    await storage.grant_lease(600)
    await asyncio.sleep(0.01)  # the reaper now waits for that lease's deadline
    await storage.grant_lease(600)  # wakes it
    await asyncio.sleep(0)
    started = time.monotonic()
    async with asyncio.timeout(1):
        await storage.close()
    assert time.monotonic() - started < 0.5


def test_entry_point_is_wired():
    (ep,) = [ep for ep in entry_points(group="microkube.storage") if ep.name == "memory"]
    assert ep.value == "microkube_storage_memory"
    assert ep.dist is not None and ep.dist.name == "microkube-storage-memory"
    registry = load_plugins(["microkube.storage"], allow=["memory"])
    assert not registry.errors and "memory" in registry.registrations(HOOK)


async def test_factory_builds_a_storage(tmp_path):
    factory = registry_for(microkube_storage_memory).select(HOOK, "memory")
    storage = factory(FactoryContext(data_dir=tmp_path, options={"progress-interval": 1}))
    assert isinstance(storage, MemoryStorage) and isinstance(storage, Storage)
    assert storage.progress_interval == 1
    await storage.start()
    try:
        assert await storage.create("/a", b"v") == 1
    finally:
        await storage.close()
    assert list(tmp_path.iterdir()) == []  # nothing on disk


def test_importing_the_plugin_does_no_work():
    probe = (
        "import sys, json, microkube_storage_memory; "
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m.startswith(('microkube_storage_memory', 'microkube.testing')))))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["microkube_storage_memory"]


def test_options():
    assert parse_options({}) == MemoryOptions()
    assert parse_options({"max_batch": 7}) == parse_options({"max-batch": 7})
    with pytest.raises(ConfigError, match="unknown key 'path'"):
        parse_options({"path": "/tmp/x"})
    with pytest.raises(ConfigError, match="max-batch must be > 0"):
        parse_options({"max-batch": 0})
