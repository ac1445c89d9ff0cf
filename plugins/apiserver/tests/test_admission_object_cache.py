"""The watch-fed cache admission plugins read instead of the store."""

from __future__ import annotations

import asyncio
import json
import time

from microkube_apiserver.admission.object_cache import ObjectCache

from microkube.contracts import FactoryContext
from microkube.plugins import load_plugins

PREFIX = "/registry/scheduling.k8s.io/priorityclasses/"


async def _eventually(check, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


async def test_lists_then_follows_puts_and_deletes(tmp_path):
    registry = load_plugins(["microkube.storage"])
    storage = registry.select("microkube_storage_backends", "memory")(
        FactoryContext(data_dir=tmp_path, options={})
    )
    await storage.start()
    try:
        created_a = await storage.create(PREFIX + "a", json.dumps({"value": 1}).encode())
        cache = ObjectCache(storage, PREFIX)
        assert cache.get("a") is None and cache.values() == []
        cache.start()
        await _eventually(lambda: cache.synced)
        assert cache.get("a") == {"value": 1}
        await storage.create(PREFIX + "b", json.dumps({"value": 2}).encode())
        await storage.update(
            PREFIX + "a", json.dumps({"value": 3}).encode(), expected_revision=created_a
        )
        await _eventually(lambda: cache.get("b") == {"value": 2})
        await _eventually(lambda: cache.get("a") == {"value": 3})
        await storage.delete(PREFIX + "b")
        await _eventually(lambda: cache.get("b") is None)
        assert cache.values() == [{"value": 3}]
        await cache.close()
        assert not cache.synced
    finally:
        await storage.close()
