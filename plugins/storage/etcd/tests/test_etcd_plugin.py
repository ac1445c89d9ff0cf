"""The plugin's wiring: entry point, hook, factory, options, no work at import; compaction."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from importlib.metadata import entry_points

import microkube_storage_etcd
import pytest
from microkube_storage_etcd.backend import EtcdStorage
from microkube_storage_etcd.compaction import EtcdCompactor
from microkube_storage_etcd.options import EtcdOptions

from microkube.config import ConfigError
from microkube.contracts import FactoryContext
from microkube.contracts.storage import CompactedError, Storage, StorageError
from microkube.plugins import load_plugins, registry_for

HOOK = "microkube_storage_backends"


def test_entry_point_is_wired():
    (ep,) = [ep for ep in entry_points(group="microkube.storage") if ep.name == "etcd"]
    assert ep.value == "microkube_storage_etcd"
    assert ep.dist is not None and ep.dist.name == "microkube-storage-etcd"
    registry = load_plugins(["microkube.storage"], allow=["etcd"])
    assert not registry.errors and "etcd" in registry.registrations(HOOK)


def test_importing_the_plugin_loads_no_grpc():
    code = (
        "import json, sys, microkube_storage_etcd;"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('grpc', 'google', 'microkube_storage_etcd'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["microkube_storage_etcd"]


async def test_factory_builds_a_storage_from_options(etcd, tmp_path):
    factory = registry_for(microkube_storage_etcd).select(HOOK, "etcd")
    options = {"endpoints": ",".join(etcd.endpoints), "compaction-interval": 0, "prefix": "/f"}
    storage = factory(FactoryContext(data_dir=tmp_path, options=options))
    assert isinstance(storage, EtcdStorage) and isinstance(storage, Storage)
    assert storage.options.endpoints == tuple(etcd.endpoints)
    await storage.start()
    try:
        assert await storage.create("/a", b"v") > 1
    finally:
        await storage.close()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"endpoints": "ftp://x:1"}, "is not http"),
        ({"endpoints": []}, "at least one"),
        ({"bogus": 1}, "unknown key 'bogus'"),
        ({"cert-file": "/c.pem"}, "go together"),
        ({"request-timeout": 0}, "request-timeout must be > 0"),
        ({"max-receive-bytes": 0}, "max-receive-bytes"),
    ],
)
def test_factory_rejects_bad_options(tmp_path, options, message):
    factory = registry_for(microkube_storage_etcd).select(HOOK, "etcd")
    with pytest.raises(ConfigError, match=message) as info:
        factory(FactoryContext(data_dir=tmp_path, options=options))
    assert str(info.value).startswith("options.etcd:")


async def test_start_fails_clearly_when_etcd_is_unreachable():
    from microkube.testing.etcd import free_port

    endpoint = f"http://127.0.0.1:{free_port()}"
    storage = EtcdStorage(EtcdOptions(endpoints=[endpoint], request_timeout=1))
    with pytest.raises(StorageError, match="etcd range"):
        await storage.start()


async def test_compactors_of_two_api_servers_compact_once_per_turn(etcd):
    options = EtcdOptions(endpoints=etcd.endpoints, compaction_interval=0, prefix="/cmp")
    one, two = EtcdStorage(options), EtcdStorage(options)
    await one.start()
    await two.start()
    try:
        first, second = EtcdCompactor(one, interval=60), EtcdCompactor(two, interval=60)
        # Turn 1: the first server's win only records where history starts; the second
        # loses the compare-and-swap and learns the counter and the revision it saw.
        assert await first.tick() is None
        assert await second.tick() is None
        seen = second.revision
        await one.create("/k", b"1")
        # Turn 2: exactly one of them compacts, to the revision seen one turn earlier.
        target = await second.tick()
        assert target == seen
        assert await first.tick() is None
        with pytest.raises(CompactedError):
            await one.get("/k", revision=target - 1)
        assert (await one.get("/k")).value == b"1"
    finally:
        await one.close()
        await two.close()


async def test_compacting_again_to_the_same_revision_fails_promptly(etcd):
    storage = EtcdStorage(EtcdOptions(endpoints=etcd.endpoints, compaction_interval=0))
    await storage.start()
    try:
        first = await storage.create("/again/a", b"1")
        target = await storage.update("/again/a", b"2", expected_revision=first)
        await storage.compact(target)
        with pytest.raises(CompactedError) as info:
            await asyncio.wait_for(storage.compact(target), 1.5)
        assert info.value.compact_revision >= target
    finally:
        await storage.close()
