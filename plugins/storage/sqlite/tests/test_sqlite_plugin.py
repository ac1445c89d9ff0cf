"""The plugin's wiring: entry point, hook, factory, options, and no work at import."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points

import microkube_storage_sqlite
import pytest
from microkube_storage_sqlite.backend import SqliteStorage
from microkube_storage_sqlite.options import SqliteOptions, parse_options

from microkube.config import ConfigError
from microkube.contracts import FactoryContext
from microkube.contracts.storage import Storage
from microkube.plugins import load_plugins, registry_for

HOOK = "microkube_storage_backends"


def test_entry_point_is_wired():
    (ep,) = [ep for ep in entry_points(group="microkube.storage") if ep.name == "sqlite"]
    assert ep.value == "microkube_storage_sqlite"
    assert ep.dist is not None and ep.dist.name == "microkube-storage-sqlite"


def test_installed_plugin_offers_sqlite():
    registry = load_plugins(["microkube.storage"], allow=["sqlite"])
    assert not registry.errors
    assert "sqlite" in registry.registrations(HOOK)


async def test_factory_builds_a_storage_in_the_data_dir(tmp_path):
    factory = registry_for(microkube_storage_sqlite).select(HOOK, "sqlite")
    storage = factory(FactoryContext(data_dir=tmp_path, options={"synchronous": "full"}))
    assert isinstance(storage, SqliteStorage) and isinstance(storage, Storage)
    assert storage.options.synchronous == "FULL"
    await storage.start()
    try:
        assert await storage.create("/a", b"v") == 1
    finally:
        await storage.close()
    assert (tmp_path / "storage.sqlite").is_file()


def test_factory_rejects_bad_options(tmp_path):
    factory = registry_for(microkube_storage_sqlite).select(HOOK, "sqlite")
    with pytest.raises(ConfigError, match="watch-cach"):
        factory(FactoryContext(data_dir=tmp_path, options={"watch-cach-size": 5}))


def test_importing_the_plugin_does_no_work():
    probe = (
        "import sys, json, microkube_storage_sqlite; "
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m.startswith(('microkube_storage_sqlite', 'sqlite3', '_sqlite3')))))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["microkube_storage_sqlite"]


def test_options_defaults_and_spellings():
    assert parse_options({}) == SqliteOptions()
    dashed = parse_options({"watch-cache-size": 5, "progress-interval": 0})
    underscored = parse_options({"watch_cache_size": 5, "progress_interval": 0})
    assert dashed == underscored
    assert dashed.watch_cache_size == 5 and dashed.progress_interval == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"nope": 1}, "unknown key 'nope'"),
        ({"max-batch": 0}, "max-batch must be > 0"),
        ({"synchronous": "sometimes"}, "synchronous must be one of"),
        ({"compaction-interval": -1}, "compaction-interval must be >= 0"),
        ({"read-threads": "many"}, "read_threads"),
    ],
)
def test_options_errors_name_the_key(options, message):
    with pytest.raises(ConfigError, match=message):
        parse_options(options)
