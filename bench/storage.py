"""Storage backend throughput and latency (DESIGN.md §6 figures, one JSON object per line).

For each backend asked for (``--backend sqlite|memory``, repeatable; default both), built
through its installed plugin's factory exactly as a cluster would build it:

- ``create_seq_per_s``: creates/s of ``--keys`` 1-KiB values, one writer awaiting each;
- ``create_concurrent_per_s``: the same with ``--writers`` concurrent writers (issue 3's goal
  is >= 2,000/s with 16 writers for the sqlite backend);
- ``get_p50_us`` / ``get_p99_us``: latency of a get of a random existing key;
- ``range_10k_ms``: one range read of the ``--keys`` keys (median of 5);
- ``watch_lag_p50_ms`` / ``watch_lag_p99_ms``: from calling ``create`` to a watcher holding the
  event, over 1,000 writes made one at a time.

Automatic compaction is off during the run so it cannot land inside a measurement.
Progress goes to stderr; the figures are the last lines on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _procs import percentile

from microkube.contracts import FactoryContext
from microkube.contracts.storage import Storage
from microkube.plugins import load_plugins

BACKENDS = ("sqlite", "memory")
VALUE = bytes(random.Random(0).randrange(256) for _ in range(1024))
GETS = 5000
RANGE_RUNS = 5
WATCH_WRITES = 1000


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def _creates(storage: Storage, prefix: str, keys: int, writers: int) -> float:
    """Create ``keys`` keys with ``writers`` concurrent tasks; return creates/s."""
    names = [f"{prefix}{i:06d}" for i in range(keys)]

    async def writer(share: list[str]) -> None:
        for name in share:
            await storage.create(name, VALUE)

    start = time.perf_counter()
    await asyncio.gather(*(writer(names[w::writers]) for w in range(writers)))
    return keys / (time.perf_counter() - start)


async def _get_latency_us(storage: Storage, prefix: str, keys: int) -> list[float]:
    rng = random.Random(1)
    samples = []
    for _ in range(GETS):
        key = f"{prefix}{rng.randrange(keys):06d}"
        start = time.perf_counter_ns()
        kv = await storage.get(key)
        samples.append((time.perf_counter_ns() - start) / 1000)
        assert kv is not None and kv.value == VALUE
    return samples


async def _range_ms(storage: Storage, prefix: str, keys: int) -> float:
    runs = []
    for _ in range(RANGE_RUNS):
        start = time.perf_counter()
        result = await storage.range(prefix)
        runs.append((time.perf_counter() - start) * 1000)
        assert len(result.items) == keys
    return statistics.median(runs)


async def _watch_lag_ms(storage: Storage) -> list[float]:
    """Write one key at a time and wait for the watcher to hold its event before the next
    write, so each sample is the delivery path alone, not a queue behind earlier writes."""
    prefix = "/bench/watch/"
    watch = storage.watch(prefix, start_revision=await storage.current_revision() + 1)
    events = aiter(watch)
    lags: list[float] = []
    for i in range(WATCH_WRITES):
        key = f"{prefix}{i:06d}"
        sent = time.perf_counter()
        write = asyncio.ensure_future(storage.create(key, VALUE))
        while True:
            response = await asyncio.wait_for(anext(events), 30)
            if any(e.kv.key == key for e in response.events):
                break
        lags.append((time.perf_counter() - sent) * 1000)
        await write
    await watch.close()
    return lags


async def bench_backend(name: str, data_dir: Path, keys: int, writers: int) -> list[dict[str, Any]]:
    registry = load_plugins(["microkube.storage"])
    factory = registry.select("microkube_storage_backends", name)
    storage: Storage = factory(
        FactoryContext(data_dir=data_dir, options={"compaction-interval": 0})
    )
    await storage.start()
    try:
        _log(f"[{name}] {keys} sequential creates")
        seq = await _creates(storage, "/bench/seq/", keys, 1)
        _log(f"[{name}] {keys} creates with {writers} writers")
        conc = await _creates(storage, "/bench/conc/", keys, writers)
        _log(f"[{name}] {GETS} gets")
        gets = await _get_latency_us(storage, "/bench/seq/", keys)
        _log(f"[{name}] range of {keys} keys")
        range_ms = await _range_ms(storage, "/bench/seq/", keys)
        _log(f"[{name}] watch lag over {WATCH_WRITES} writes")
        lags = await _watch_lag_ms(storage)
    finally:
        await storage.close()
    conditions: dict[str, Any] = {"backend": name, "value_bytes": len(VALUE), "keys": keys}
    if name == "sqlite":
        conditions["synchronous"] = "NORMAL"
    figures = [
        ("create_seq_per_s", seq, "creates/s", {"writers": 1}),
        ("create_concurrent_per_s", conc, "creates/s", {"writers": writers}),
        ("get_p50_us", percentile(gets, 0.5), "us", {"gets": GETS}),
        ("get_p99_us", percentile(gets, 0.99), "us", {"gets": GETS}),
        ("range_10k_ms", range_ms, "ms", {"runs": RANGE_RUNS}),
        ("watch_lag_p50_ms", percentile(lags, 0.5), "ms", {"writes": WATCH_WRITES}),
        ("watch_lag_p99_ms", percentile(lags, 0.99), "ms", {"writes": WATCH_WRITES}),
    ]
    return [
        {
            "bench": "storage",
            "figure": figure,
            "value": round(value, 2),
            "unit": unit,
            "conditions": {**conditions, **extra},
        }
        for figure, value, unit, extra in figures
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append", choices=BACKENDS, help="repeatable")
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--writers", type=int, default=16)
    args = parser.parse_args(argv)
    results: list[dict[str, Any]] = []
    for name in args.backend or BACKENDS:
        with tempfile.TemporaryDirectory(prefix=f"bench-storage-{name}-") as tmp:
            results += asyncio.run(bench_backend(name, Path(tmp), args.keys, args.writers))
    for result in results:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
