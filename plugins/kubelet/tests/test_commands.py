"""``microkube kubelet`` and ``microkube hollow-nodes`` as real processes against an
in-process API server."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

MICROKUBE = str(Path(sys.executable).with_name("microkube"))


async def _ready_nodes(api) -> set[str]:  # type: ignore[no-untyped-def]
    items = (await api.list("nodes"))["items"]
    return {
        n["metadata"]["name"]
        for n in items
        if any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in (n.get("status") or {}).get("conditions") or []
        )
    }


async def _run_until_ready(cluster, poll, args, names):  # type: ignore[no-untyped-def]
    api = cluster.client()
    process = await asyncio.create_subprocess_exec(
        MICROKUBE,
        "--data-dir",
        str(cluster.data_dir),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:

        async def ready():  # type: ignore[no-untyped-def]
            if process.returncode is not None:
                raise AssertionError(f"exited {process.returncode}: {await process.stderr.read()}")
            return names <= await _ready_nodes(api)

        await poll(ready, within=60, what=f"nodes {sorted(names)} Ready")
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
    assert code == 0


async def test_kubelet_command_registers_its_node(microkube_cluster, poll):
    cluster = await microkube_cluster("apiserver")
    await _run_until_ready(
        cluster, poll, ["kubelet", "--node-name", "cli-node", "--port", "0"], {"cli-node"}
    )


async def test_hollow_nodes_command_runs_n_nodes(microkube_cluster, poll):
    cluster = await microkube_cluster("apiserver")
    names = {f"hollow-node-{i}" for i in range(3)}
    await _run_until_ready(cluster, poll, ["hollow-nodes", "--count", "3"], names)
