"""RSS per hollow node: start an in-process API server, measure this process's RSS, start N
hollow nodes, wait until all are Ready and settled, measure again; print JSON figures.

    .venv/bin/python plugins/kubelet/bench/hollow_rss.py --count 200
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import tempfile
import time
from pathlib import Path

from microkube_kubelet.hollow import HollowNodes

from microkube.plugins import load_plugins
from microkube.testing.cluster import LocalCluster


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def main(count: int, settle: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with LocalCluster(Path(tmp) / "cluster", ["apiserver"]) as cluster:
            api = cluster.client(max_idle=32)
            await api.list("nodes")
            gc.collect()
            before = rss_bytes()
            nodes = HollowNodes(
                api, load_plugins(None), cluster.config, count=count, data_dir=Path(tmp)
            )
            started = time.monotonic()
            await nodes.start()
            while True:
                items = (await api.list("nodes"))["items"]
                ready = sum(
                    any(
                        c["type"] == "Ready" and c["status"] == "True"
                        for c in (n.get("status") or {}).get("conditions") or []
                    )
                    for n in items
                )
                if ready >= count:
                    break
                await asyncio.sleep(0.5)
            ready_s = time.monotonic() - started
            await asyncio.sleep(settle)
            gc.collect()
            after = rss_bytes()
            await nodes.stop()
    conditions = {"nodes": count, "storage": "memory", "apiserver": "same process"}
    figures = [
        ("hollow_node_rss_kb", (after - before) / count / 1024, "KiB"),
        ("hollow_nodes_ready_s", ready_s, "s"),
    ]
    for figure, value, unit in figures:
        print(
            json.dumps(
                {
                    "bench": "hollow_nodes",
                    "figure": figure,
                    "value": round(value, 1),
                    "unit": unit,
                    "conditions": conditions,
                }
            )
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--settle", type=float, default=15.0)
    args = parser.parse_args()
    asyncio.run(main(args.count, args.settle))
