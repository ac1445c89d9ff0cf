"""etcd against SQLite in one run: etcd's own write rate, the storage backends, the benches.

Starts a 3-member etcd cluster on loopback ports (by PID, stopped at the end) and measures,
in this order, each figure printed as one JSON line (DESIGN.md §6):

- ``create_per_s`` per storage (``sqlite`` in a temporary file, ``etcd`` on the cluster):
  ``--creates`` 1 KiB creates through the storage contract, one at a time (``writers: 1``)
  and from ``--writers`` concurrent tasks.
- with ``--apiserver`` / ``--scheduler``: ``bench/apiserver.py`` and ``bench/scheduler.py``
  (``--quick`` unless ``--full``) once with ``--storage sqlite`` and once with
  ``--storage etcd --etcd-endpoints`` this cluster; their figures are passed through.
- ``etcdctl_puts_per_s`` (run last: it leaves etcd's database large and busy):
  ``etcdctl check perf --load l`` — etcd's own Go client writing from 500 connections for
  60 s at a target rate (8,000/s) above what this machine sustains, so the measured
  throughput is etcd's ceiling here (skip with ``--no-check-perf``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from microkube.testing.etcd import ETCDCTL, EtcdCluster

HERE = Path(__file__).resolve().parent
VALUE = b"x" * 1024


def _log(message: str) -> None:
    print(f"[etcd bench] {message}", file=sys.stderr, flush=True)


def _figure(figure: str, value: float, unit: str, **conditions: Any) -> str:
    return json.dumps(
        {
            "bench": "etcd",
            "figure": figure,
            "value": round(value, 1),
            "unit": unit,
            "conditions": conditions,
        }
    )


def etcdctl_rate(cluster: EtcdCluster) -> float | None:
    """``etcdctl check perf``'s throughput (it exits 1 when its pass criteria fail, which at
    a load above capacity they do: the figure is printed either way)."""
    command = [ETCDCTL, f"--endpoints={','.join(cluster.endpoints)}", "check", "perf"]
    command += ["--load=l", "--prefix=/etcdctl-check-perf/"]
    try:
        result = subprocess.run(
            command, env={**os.environ, "ETCDCTL_API": "3"}, capture_output=True, text=True,
            timeout=240,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        _log("etcdctl check perf timed out")
        return None
    match = re.search(r"(\d+) writes/s", result.stdout)  # "Throughput is N writes/s"
    if not match:
        _log(f"etcdctl check perf printed no throughput: {result.stdout[-300:]} {result.stderr}")
    return float(match.group(1)) if match else None


async def create_rate(storage: Any, prefix: str, count: int, writers: int) -> float:
    keys = iter(range(count))

    async def writer() -> None:
        for i in keys:
            await storage.create(f"{prefix}{i:07}", VALUE)

    start = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    return count / (time.perf_counter() - start)


async def storage_rates(cluster: EtcdCluster, work: Path, args: argparse.Namespace) -> list[str]:
    from microkube_storage_etcd.backend import EtcdStorage
    from microkube_storage_etcd.options import EtcdOptions
    from microkube_storage_sqlite.backend import SqliteStorage
    from microkube_storage_sqlite.options import SqliteOptions

    lines = []
    backends = {
        "sqlite": SqliteStorage(work / "bench.sqlite", SqliteOptions(compaction_interval=0)),
        "etcd": EtcdStorage(EtcdOptions(endpoints=cluster.endpoints, compaction_interval=0)),
    }
    for name, storage in backends.items():
        await storage.start()
        try:
            for writers in (1, args.writers):
                count = args.creates if writers > 1 else max(args.creates // 4, 1)
                rate = await create_rate(storage, f"/bench/{writers}/", count, writers)
                _log(f"{name}: {rate:.0f} creates/s with {writers} writer(s)")
                conditions = {"storage": name, "writers": writers, "creates": count}
                if name == "etcd":
                    conditions["etcd_members"] = len(cluster.members)
                lines.append(
                    _figure("create_per_s", rate, "creates/s", value_bytes=1024, **conditions)
                )
        finally:
            await storage.close()
    return lines


def run_bench(script: str, extra: list[str]) -> list[str]:
    command = [sys.executable, str(HERE / script), *extra]
    _log(" ".join(command[1:]))
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True, timeout=3600)
    if result.returncode != 0:
        _log(f"{script} failed with {result.returncode}")
        return []
    return [line for line in result.stdout.splitlines() if line.startswith('{"bench"')]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=4000)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--no-check-perf", action="store_true", help="skip etcdctl check perf")
    parser.add_argument("--apiserver", action="store_true", help="also bench/apiserver.py")
    parser.add_argument("--scheduler", action="store_true", help="also bench/scheduler.py")
    parser.add_argument("--full", action="store_true", help="the benches' full size")
    args = parser.parse_args(argv)
    lines: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-etcd-") as tmp,
        EtcdCluster(Path(tmp) / "etcd", members=3) as cluster,
    ):
        work = Path(tmp)
        lines += asyncio.run(storage_rates(cluster, work, args))
        size = [] if args.full else ["--quick"]
        endpoints = ",".join(cluster.endpoints)
        for script, wanted in (("apiserver.py", args.apiserver), ("scheduler.py", args.scheduler)):
            if not wanted:
                continue
            lines += run_bench(script, [*size, "--storage", "sqlite"])
            lines += run_bench(script, [*size, "--storage", "etcd", "--etcd-endpoints", endpoints])
        # Last: its 60 s of heavy load leaves etcd's database large and busy.
        if not args.no_check_perf:
            _log("etcdctl check perf --load l (60 s)")
            rate = etcdctl_rate(cluster)
            if rate is not None:
                _log(f"etcdctl: {rate:.0f} writes/s")
                lines.append(
                    _figure(
                        "etcdctl_puts_per_s",
                        rate,
                        "writes/s",
                        tool="etcdctl check perf --load l",
                        etcd_members=3,
                        clients=500,
                    )
                )
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
