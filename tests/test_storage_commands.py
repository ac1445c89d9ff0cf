"""``microkube backup`` / ``restore`` / ``migrate`` against real clusters (SQLite and etcd).

A backup is taken through the CLI (another process) while writers keep creating objects
through the API server; the backup is restored into a fresh data directory (or a fresh etcd
member) and a new API server over it must serve exactly the objects whose resourceVersion is
at most the backup's revision, byte for byte (uid, data, resourceVersion). Migration copies a
stopped SQLite cluster into etcd and the API server over etcd serves the same objects with
their resourceVersions in the same order.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from microkube.testing.cluster import LocalCluster
from microkube.testing.etcd import ETCD, EtcdCluster

pytestmark = pytest.mark.skipif(not Path(ETCD).exists(), reason="etcd is not installed")

WRITERS = 4
MAX_OBJECTS = 4000  # bounds the load; the backup normally ends it far earlier


def microkube(data_dir: Path, *args: str, config: dict | None = None) -> str:
    command = [sys.executable, "-m", "microkube.cli", "--data-dir", str(data_dir)]
    if config is not None:
        path = data_dir / "storage-config.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(config))
        command += ["--config", str(path)]
    result = subprocess.run([*command, *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


async def configmaps(cluster: LocalCluster) -> dict[str, dict[str, Any]]:
    async with cluster.client() as client:
        listed = await client.list_all("configmaps", "default")
    return {item["metadata"]["name"]: item for item in listed["items"]}


async def backup_under_load(cluster: LocalCluster, backup: Any) -> int:
    """Writers create ConfigMaps until the backup (run in a thread) has finished."""
    done = asyncio.Event()
    counter = iter(range(MAX_OBJECTS))

    async def writer(client: Any) -> None:
        for i in counter:
            if done.is_set():
                return
            body = {"metadata": {"name": f"cm-{i:04}"}, "data": {"i": str(i) * 50}}
            await client.create("configmaps", body, "default")

    async with cluster.client() as client:
        tasks = [asyncio.create_task(writer(client)) for _ in range(WRITERS)]
        await asyncio.sleep(0.3)  # load first
        try:
            output = await asyncio.to_thread(backup)
        finally:
            done.set()
            await asyncio.gather(*tasks)
    return int(re.search(r"at revision (\d+)", output).group(1))


def expected_at(objects: dict[str, dict[str, Any]], revision: int) -> dict[str, dict]:
    return {
        name: obj
        for name, obj in objects.items()
        if int(obj["metadata"]["resourceVersion"]) <= revision
    }


async def test_sqlite_backup_under_load_restores_every_object(tmp_path: Path) -> None:
    live, fresh, file = tmp_path / "live", tmp_path / "fresh", tmp_path / "backup.sqlite"
    async with LocalCluster(live, storage="sqlite") as cluster:
        revision = await backup_under_load(cluster, lambda: microkube(live, "backup", str(file)))
        before = await configmaps(cluster)
    expected = expected_at(before, revision)
    assert 0 < len(expected) < len(before), "the backup must fall in the middle of the load"
    microkube(fresh, "restore", str(file))
    async with LocalCluster(fresh, storage="sqlite") as restored:
        assert await configmaps(restored) == expected


async def test_etcd_backup_under_load_restores_every_object(tmp_path: Path) -> None:
    file = tmp_path / "snapshot.db"
    with EtcdCluster(tmp_path / "etcd") as etcd:
        config = {"storage": "etcd", "options": {"etcd": {"endpoints": etcd.endpoints}}}
        options = {"etcd": {"endpoints": etcd.endpoints, "compaction-interval": 0}}
        async with LocalCluster(tmp_path / "live", storage="etcd", options=options) as cluster:
            revision = await backup_under_load(
                cluster, lambda: microkube(tmp_path / "cli", "backup", str(file), config=config)
            )
            before = await configmaps(cluster)
    expected = expected_at(before, revision)
    assert expected and len(expected) <= len(before)
    fresh = EtcdCluster(tmp_path / "restored")
    member = fresh.members[0]
    microkube(
        tmp_path / "cli",
        "restore",
        str(file),
        "--target",
        str(member.data_dir),
        "--member-name",
        member.name,
        "--peer-url",
        member.peer_url,
        config=config,
    )
    with fresh:
        options = {"etcd": {"endpoints": fresh.endpoints, "compaction-interval": 0}}
        async with LocalCluster(tmp_path / "new", storage="etcd", options=options) as restored:
            after = await configmaps(restored)
    # The snapshot is taken after the revision is read: it may hold later objects too.
    assert expected_at(after, revision) == expected
    assert all(after[name] == before[name] for name in after)


async def test_migrate_sqlite_to_etcd_keeps_objects_and_their_order(tmp_path: Path) -> None:
    data = tmp_path / "cluster"
    async with LocalCluster(data, storage="sqlite") as cluster:
        async with cluster.client() as client:
            for i in range(20):
                body = {"metadata": {"name": f"cm-{i:02}"}, "data": {"v": "0"}}
                await client.create("configmaps", body, "default")
            for i in range(0, 20, 3):  # updates move some objects later in the order
                obj = await client.get("configmaps", f"cm-{i:02}", "default")
                obj["data"]["v"] = "1"
                await client.replace("configmaps", obj, "default")
        before = await configmaps(cluster)
    with EtcdCluster(tmp_path / "etcd") as etcd:
        config = {"storage": "sqlite", "options": {"etcd": {"endpoints": etcd.endpoints}}}
        output = microkube(data, "migrate", "--from", "sqlite", "--to", "etcd", config=config)
        assert re.match(r"migrated \d+ keys from sqlite to etcd", output)
        options = {"etcd": {"endpoints": etcd.endpoints, "compaction-interval": 0}}
        async with LocalCluster(tmp_path / "new", storage="etcd", options=options) as migrated:
            after = await configmaps(migrated)
        command = [sys.executable, "-m", "microkube.cli", "--data-dir", str(data)]
        command += ["--config", str(data / "storage-config.json")]
        command += ["migrate", "--from", "sqlite", "--to", "etcd"]
        again = await asyncio.to_thread(
            subprocess.run, command, capture_output=True, text=True, timeout=60
        )
    assert again.returncode == 1 and "must be empty" in again.stderr

    def order(objects: dict[str, dict]) -> list[str]:
        return sorted(objects, key=lambda n: int(objects[n]["metadata"]["resourceVersion"]))

    assert order(after) == order(before)

    def without_rv(obj: dict) -> dict:
        meta = {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}
        return {**obj, "metadata": meta}

    assert {n: without_rv(o) for n, o in after.items()} == {
        n: without_rv(o) for n, o in before.items()
    }
