"""Watch behaviour beyond the conformance suite: progress ordering on etcd 3.4, prefixes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from microkube_storage_etcd.backend import EtcdStorage
from microkube_storage_etcd.options import EtcdOptions

from microkube.testing.conformance.storage import WatchReader


@pytest.fixture
async def storage(etcd) -> AsyncIterator[EtcdStorage]:
    backend = EtcdStorage(EtcdOptions(endpoints=etcd.endpoints, compaction_interval=0))
    await backend.start()
    yield backend
    await backend.close()


async def test_progress_never_overtakes_replayed_events(storage: EtcdStorage) -> None:
    # etcd < 3.4.24 answers a progress request ahead of a new watch's replay (etcd #15220).
    for round_ in range(5):
        prefix = f"/replay/{round_}/"
        start = await storage.create(prefix + "0", b"v")
        for i in range(1, 20):
            await storage.create(f"{prefix}{i}", b"v")
        written = await storage.current_revision()
        watch = storage.watch(prefix, start_revision=start)
        watch.request_progress()
        reader = WatchReader(watch, timeout=5)
        seen = []
        while True:
            response = await reader.response()
            if not response.events:
                break
            seen.extend(response.events)
        await watch.close()
        assert len(seen) == 20, f"progress at {response.revision} before all events"
        assert response.revision >= written


async def test_idle_watch_gets_periodic_progress(etcd) -> None:
    backend = EtcdStorage(
        EtcdOptions(endpoints=etcd.endpoints, compaction_interval=0, progress_interval=0.2)
    )
    await backend.start()
    try:
        revision = await backend.create("/idle/a", b"v")
        reader = WatchReader(backend.watch("/idle/", start_revision=revision + 1), timeout=3)
        response = await reader.response()
        assert response.events == () and response.revision >= revision
    finally:
        await backend.close()


async def test_cluster_prefix_isolates_clusters(etcd) -> None:
    one = EtcdStorage(EtcdOptions(endpoints=etcd.endpoints, compaction_interval=0, prefix="/c1"))
    two = EtcdStorage(EtcdOptions(endpoints=etcd.endpoints, compaction_interval=0, prefix="/c2"))
    await one.start()
    await two.start()
    try:
        await one.create("/registry/x", b"one")
        await two.create("/registry/x", b"two")
        assert [(kv.key, kv.value) for kv in (await one.range("/registry/")).items] == [
            ("/registry/x", b"one")
        ]
        reader = WatchReader(two.watch("/registry/", start_revision=1), timeout=5)
        (event,) = await reader.events(1)
        assert (event.kv.key, event.kv.value) == ("/registry/x", b"two")
        await reader.watch.close()
        raw = etcd.etcdctl("get", "--prefix", "/c1/registry/", "--print-value-only")
        assert raw.strip() == "one"
    finally:
        await one.close()
        await two.close()
