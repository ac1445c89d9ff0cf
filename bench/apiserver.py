"""API server throughput and latency over real HTTP (DESIGN.md §6 figures, issue 3's goals).

Starts ``microkube apiserver`` as a subprocess (``--storage sqlite`` (default) or ``etcd``: a
3-member etcd on loopback started by PID, or ``--etcd-endpoints``; defaults, a fresh temporary
data dir, ``--port 0``), waits until it serves, measures over HTTP/1.1 on 127.0.0.1, and stops
it by PID at the end (SIGTERM, then SIGKILL), also when the run fails.

The client is aiohttp (C HTTP parser) with keep-alive connection pools, in this one process:
request bodies are serialised before the clock starts and answers are read as bytes (only the
status is checked inside a timed section), so each request costs the client far less than
the server. Each figure's conditions carry ``server_cpu_pct`` and ``client_cpu_pct`` (CPU
time over the phase's wall time, percent of one CPU; the server's counts all its threads) to
show which side was busy; in the GET phase the client's share is mostly its yield-spin (below).
``client_loop_delay_p99_ms`` is how late the client's event loop ran a 5 ms timer during the
phase: small means the client kept up and the figure is the server's. ``host_steal_pct`` is
the share of the machine's CPU time its hypervisor took away meanwhile (/proc/stat "steal").

- ``create_per_s``: POSTs of ``--pods`` pods (one container with ports, env, requests and
  limits; unique names; one namespace) from ``--clients`` concurrent clients, each on its own
  keep-alive connection (goal >= 2,000/s).
- ``get_p50_ms`` / ``get_p99_ms``: GETs of random existing pods, open-loop at ``--get-rate``
  requests/s for ``--get-seconds``: request i is due at t0 + i/rate whatever happened to
  earlier ones, and its latency runs from that due time, so queueing counts (goals <= 2 ms,
  <= 20 ms). The timer wakes a little early and yields until the due time, so the client's
  timer slack stays out of the figure (its p99 is reported as ``send_slack_p99_ms``).
- ``list_10k_ms``: one unpaged LIST of every pod in the namespace, to the last byte of the
  answer (median of ``--list-runs``; the items are counted afterwards, outside the clock)
  (goal <= 300 ms).
- ``rss_mb``: VmRSS of the server process (``/proc/<pid>/status``) after the lists, with the
  pods stored.
- ``watch_lag_p50_ms`` / ``watch_lag_p99_ms``: ``--watchers`` watches of the namespace's pods,
  each on its own connection, from the current resourceVersion; then ``--updates`` merge
  patches (an annotation carrying a sequence number, each on a different pod) paced evenly over
  ``--update-seconds``, each sent on schedule without waiting for the previous one. Lag is from
  sending the PATCH to a watcher reading the event's line, over every (watcher, event) pair
  (goal p99 <= 100 ms). Measured from the send, not the acknowledgement: the server may deliver
  an event before its PATCH answer reaches the client, and the send time is never later than
  either.

Storage compaction keeps its default (every 300 s); a run is shorter than one interval.
``--py-spy DIR`` records each phase's server stacks (py-spy, raw collapsed format) into DIR.
Progress goes to stderr; the figures are the last lines on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
from _procs import BenchError, cpu_seconds, percentile, rss_mb, stop, tail

from microkube.client.kubeconfig import load_kubeconfig

HOST = "127.0.0.1"
NAMESPACE = "bench"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60)
#: The admin's TLS context once the server serves (None: plain HTTP).
_TLS: ssl.SSLContext | None = None
SEQ_KEY = "bench-seq"
#: Connections opened before the GET phase (client-go's idle connections per host).
WARM = 25


def _connector(**kwargs: Any) -> aiohttp.TCPConnector:
    """A connector speaking TLS as the admin when the server does."""
    return aiohttp.TCPConnector(ssl=_TLS if _TLS is not None else True, **kwargs)


def _log(message: str) -> None:
    print(f"[apiserver bench] {message}", file=sys.stderr, flush=True)


def _pod_name(i: int) -> str:
    return f"bench-{i:06d}"


def _pod_body(i: int) -> bytes:
    """A small realistic pod (~0.6 KiB as sent, ~1.5 KiB once defaulted)."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": _pod_name(i),
            "namespace": NAMESPACE,
            "labels": {"app": "bench", "tier": "web", "shard": str(i % 16)},
            "annotations": {"bench/index": str(i)},
        },
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "registry.example/bench/app:1.4.2",
                    "args": ["--port=8080", "--log-level=info"],
                    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                    "env": [{"name": "MODE", "value": "bench"}, {"name": "SHARD", "value": "0"}],
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "64Mi"},
                        "limits": {"cpu": "200m", "memory": "128Mi"},
                    },
                }
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
        },
    }
    return json.dumps(pod, separators=(",", ":")).encode()


# --- the server process -------------------------------------------------------------------


def _executable(name: str) -> str | None:
    """``name`` beside this Python (the venv's scripts), else on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def _server_command(data_dir: Path, storage_config: Path | None = None) -> list[str]:
    exe = _executable("microkube")
    if exe is None:
        raise BenchError("no 'microkube' executable beside this Python or on PATH")
    config = ["--config", str(storage_config)] if storage_config else []
    return [
        exe,
        "apiserver",
        "--data-dir",
        str(data_dir),
        *config,
        "--port",
        "0",
        "--bind-address",
        HOST,
    ]


@contextlib.contextmanager
def _storage(args: argparse.Namespace, tmp: Path) -> Iterator[Path | None]:
    """The server's configuration: its security options and, for ``--storage etcd``, the
    etcd endpoints (a 3-member cluster started here, by PID, unless ``--etcd-endpoints`` names
    one)."""
    apiserver: dict[str, Any] = {"tls": not args.plain_http}
    if args.plain_http:
        apiserver["authorization-modes"] = ["always-allow"]
    if args.authorization_modes:
        apiserver["authorization-modes"] = args.authorization_modes.split(",")
    path = tmp / "config.json"
    if args.storage != "etcd":
        path.write_text(json.dumps({"options": {"apiserver": apiserver}}))
        yield path
        return
    with contextlib.ExitStack() as stack:
        endpoints = args.etcd_endpoints
        if not endpoints:
            from microkube.testing.etcd import EtcdCluster

            endpoints = ",".join(
                stack.enter_context(EtcdCluster(tmp / "etcd", members=3)).endpoints
            )
        args.etcd_members = len(endpoints.split(","))
        options = {"apiserver": apiserver, "etcd": {"endpoints": endpoints}}
        path.write_text(json.dumps({"storage": "etcd", "options": options}))
        yield path


@contextlib.contextmanager
def _server(
    data_dir: Path, storage_config: Path | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Run the API server; yield (process, base URL); always stop it by PID."""
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            _server_command(data_dir, storage_config),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=data_dir,
        )
    try:
        url = _wait_serving(proc, data_dir, log_path)
        yield proc, url
    except BaseException:
        _log(f"server log tail:\n{tail(log_path)}")
        raise
    finally:
        stop(proc, STOP_TIMEOUT, _log)


def _wait_serving(proc: subprocess.Popen[bytes], data_dir: Path, log_path: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"API server exited with {proc.returncode} before serving")
        if b"export KUBECONFIG=" in log_path.read_bytes():
            config = json.loads((data_dir / "kubeconfig").read_text())
            url = config["clusters"][0]["cluster"]["server"]
            if urllib.parse.urlsplit(url).hostname != HOST:
                raise BenchError(f"the server is at {url}, not on {HOST}")
            global _TLS
            _TLS = load_kubeconfig(data_dir / "kubeconfig").ssl_context()
            return url
        time.sleep(0.05)
    raise BenchError(f"API server not serving after {START_TIMEOUT:.0f} s")


def _host_ticks() -> tuple[int, int]:
    """(steal, total) CPU ticks of the whole machine so far, from /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return fields[7], sum(fields)


async def _loop_delays(delays: list[float], period: float = 0.005) -> None:
    """How late this process's event loop runs a 5 ms timer (ms), until cancelled: a busy
    client would show here, so a large figure next to a small delay is the server's."""
    while True:  # ends when the phase cancels it
        due = time.perf_counter() + period
        await asyncio.sleep(period)
        delays.append(max(0.0, time.perf_counter() - due) * 1000)


@contextlib.asynccontextmanager
async def _phase(name: str, pid: int, profile_dir: Path | None) -> AsyncIterator[dict[str, Any]]:
    """Time a phase; yield a dict that gets the server's and this client's CPU use (percent of
    one CPU over the phase's wall time) — which of the two was busy. With ``profile_dir``,
    record the server's stacks with py-spy meanwhile."""
    spy = None
    if profile_dir is not None:
        out = profile_dir / f"{name}.txt"
        spy = await asyncio.create_subprocess_exec(
            *(_executable("py-spy") or "py-spy", "record", "--pid", str(pid), "--nonblocking"),
            *("--format", "raw", "--rate", "200", "-o", str(out)),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await asyncio.sleep(0.5)  # let it attach
    usage: dict[str, Any] = {}
    delays: list[float] = []
    monitor = asyncio.create_task(_loop_delays(delays))
    wall, server, client = time.perf_counter(), cpu_seconds(pid), time.process_time()
    steal, ticks = _host_ticks()
    try:
        yield usage
    finally:
        wall = time.perf_counter() - wall
        usage["server_cpu_pct"] = round(100 * (cpu_seconds(pid) - server) / wall)
        usage["client_cpu_pct"] = round(100 * (time.process_time() - client) / wall)
        steal_now, ticks_now = _host_ticks()
        usage["host_steal_pct"] = round(100 * (steal_now - steal) / max(1, ticks_now - ticks), 1)
        monitor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await monitor
        if delays:
            usage["client_loop_delay_p99_ms"] = round(percentile(delays, 0.99), 2)
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(spy.wait(), 30)
            except TimeoutError:
                spy.kill()
                await asyncio.wait_for(spy.wait(), 5)
            _log(f"py-spy profile of {name}: {profile_dir / f'{name}.txt'}")


# --- phases -------------------------------------------------------------------------------


def _pods_url(base: str) -> str:
    return f"{base}/api/v1/namespaces/{NAMESPACE}/pods"


async def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with aiohttp.ClientSession(
        connector=_connector(), timeout=aiohttp.ClientTimeout(total=5)
    ) as session:
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                async with session.get(f"{base}/version") as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise BenchError("GET /version never answered 200")


async def _create_namespace(base: str) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
    async with (
        aiohttp.ClientSession(connector=_connector(), timeout=REQUEST_TIMEOUT) as session,
        session.post(f"{base}/api/v1/namespaces", json=body) as resp,
    ):
        if resp.status != 201:
            raise BenchError(f"creating namespace: {resp.status} {await resp.text()}")


async def _creates(base: str, bodies: list[bytes], clients: int, deadline_s: float) -> float:
    """POST the pods ``bodies`` from ``clients`` concurrent clients; return creates/s."""
    pods = len(bodies)
    url = _pods_url(base)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    next_index = iter(range(pods))
    connector = _connector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=REQUEST_TIMEOUT) as session:

        async def client(deadline: float) -> None:
            for i in next_index:
                if time.perf_counter() > deadline:
                    raise BenchError(f"creates took longer than {deadline_s:.0f} s")
                async with session.post(url, data=bodies[i], headers=headers) as resp:
                    answer = await resp.read()
                    if resp.status != 201:
                        raise BenchError(f"create {_pod_name(i)}: {resp.status} {answer[:300]!r}")

        start = time.perf_counter()
        await asyncio.gather(*(client(start + deadline_s) for _ in range(clients)))
        return pods / (time.perf_counter() - start)


async def _until(due: float) -> None:
    """Sleep until ``perf_counter() >= due``: a timer for most of it, then yield-spin so the
    loop's millisecond timer granularity does not delay the send."""
    remaining = due - time.perf_counter()
    if remaining > 0.002:
        await asyncio.sleep(remaining - 0.002)
    while time.perf_counter() < due:  # noqa: ASYNC110 - a yield-spin, not a wait for an event
        await asyncio.sleep(0)


async def _paced_gets(
    base: str, pods: int, rate: float, seconds: float
) -> tuple[list[float], list[float]]:
    """Open-loop GETs; return (latencies from due time, send slack) in ms."""
    total = max(1, round(rate * seconds))
    rng = random.Random(2)
    url = _pods_url(base)
    latencies: list[float] = []
    slack: list[float] = []
    failures: list[str] = []
    connector = _connector(limit=256)
    async with aiohttp.ClientSession(connector=connector, timeout=REQUEST_TIMEOUT) as session:

        async def one(name: str, due: float) -> None:
            slack.append((time.perf_counter() - due) * 1000)
            async with session.get(f"{url}/{name}") as resp:
                await resp.read()
                if resp.status != 200:
                    failures.append(f"{name}: {resp.status}")
            latencies.append((time.perf_counter() - due) * 1000)

        # warm the pool's connections so requests do not pay for connecting (a TLS handshake
        # costs the server ~2.5 ms of CPU): as many as client-go keeps idle per host (25)
        await asyncio.gather(
            *(one(_pod_name(rng.randrange(pods)), time.perf_counter()) for _ in range(WARM))
        )
        latencies.clear()
        slack.clear()
        tasks: list[asyncio.Task[None]] = []
        t0 = time.perf_counter() + 0.05
        for i in range(total):
            due = t0 + i / rate
            await _until(due)
            tasks.append(asyncio.create_task(one(_pod_name(rng.randrange(pods)), due)))
        done, pending = await asyncio.wait(tasks, timeout=60)
        for task in pending:
            task.cancel()
        for task in done:
            task.result()
        if pending:
            raise BenchError(f"{len(pending)} GETs still unanswered 60 s after the last")
    if failures:
        raise BenchError(f"{len(failures)} GETs failed, e.g. {failures[:3]}")
    return latencies, slack


async def _lists(base: str, runs: int) -> tuple[list[float], list[bytes]]:
    """Unpaged LISTs of the namespace's pods; return each one's ms to the last byte, and the
    answers (checked by :func:`_check_list` after the phase, so parsing them stays out of it)."""
    url = _pods_url(base)
    times: list[float] = []
    bodies: list[bytes] = []
    async with aiohttp.ClientSession(connector=_connector(), timeout=REQUEST_TIMEOUT) as session:
        for _ in range(runs):
            start = time.perf_counter()
            async with session.get(url, headers={"Accept": "application/json"}) as resp:
                body = await resp.read()
            times.append((time.perf_counter() - start) * 1000)
            if resp.status != 200:
                raise BenchError(f"LIST: {resp.status} {body[:300]!r}")
            bodies.append(body)
    return times, bodies


def _check_list(body: bytes, pods: int) -> None:
    count = len(json.loads(body)["items"])
    if count != pods:
        raise BenchError(f"LIST returned {count} pods, expected {pods}")


async def _watch_lags(
    base: str, pods: int, watchers: int, updates: int, seconds: float
) -> tuple[list[float], int]:
    """Watchers on the namespace's pods, then paced PATCHes; return (lags in ms, events missed)."""
    url = _pods_url(base)
    marker = f'"{SEQ_KEY}":"'.encode()
    sent: dict[str, float] = {}
    received: list[dict[str, float]] = [{} for _ in range(watchers)]
    connected = 0
    all_connected = asyncio.Event()
    watch_timeout = aiohttp.ClientTimeout(total=None, sock_connect=10)
    stream_conn = _connector(limit=0, force_close=True)
    write_conn = _connector(limit=16)
    async with (
        aiohttp.ClientSession(connector=stream_conn, timeout=watch_timeout) as streams,
        aiohttp.ClientSession(connector=write_conn, timeout=REQUEST_TIMEOUT) as writes,
    ):
        async with writes.get(f"{url}?limit=1") as resp:
            if resp.status != 200:
                raise BenchError(f"LIST limit=1: {resp.status}")
            rv = (await resp.json())["metadata"]["resourceVersion"]

        async def watcher(seen: dict[str, float]) -> None:
            nonlocal connected
            params = {"watch": "1", "resourceVersion": rv}
            async with streams.get(url, params=params) as resp:
                if resp.status != 200:
                    raise BenchError(f"watch: {resp.status} {await resp.text()}")
                connected += 1
                if connected == watchers:
                    all_connected.set()
                async for line in resp.content:
                    now = time.perf_counter()
                    at = line.find(marker)
                    if at < 0:
                        continue
                    start = at + len(marker)
                    seq = line[start : line.index(b'"', start)].decode()
                    seen.setdefault(seq, now)

        async def patch(seq: str, pod: int) -> None:
            body = json.dumps({"metadata": {"annotations": {SEQ_KEY: seq}}}).encode()
            headers = {"Content-Type": "application/merge-patch+json"}
            sent[seq] = time.perf_counter()
            async with writes.patch(f"{url}/{_pod_name(pod)}", data=body, headers=headers) as resp:
                answer = await resp.read()
                if resp.status != 200:
                    raise BenchError(f"PATCH {_pod_name(pod)}: {resp.status} {answer[:300]!r}")

        async def all_seen(seqs: list[str], within: float) -> bool:
            deadline = time.perf_counter() + within
            while time.perf_counter() < deadline:
                if all(seq in seen for seen in received for seq in seqs):
                    return True
                await asyncio.sleep(0.05)
            return False

        tasks = [asyncio.create_task(watcher(seen)) for seen in received]
        try:
            await asyncio.wait_for(all_connected.wait(), 60)
            # warm-up: every watch is live once each has seen one event
            warm = "warm"
            await patch(warm, pods - 1)
            if not await all_seen([warm], 30):
                raise BenchError("not every watcher saw the warm-up update within 30 s")
            rng = random.Random(3)
            targets = rng.sample(range(pods - 1), min(updates, pods - 1))
            seqs = [str(i) for i in range(len(targets))]
            writers: list[asyncio.Task[None]] = []
            t0 = time.perf_counter() + 0.05
            for i, (seq, pod) in enumerate(zip(seqs, targets, strict=True)):
                await _until(t0 + i * seconds / len(targets))
                writers.append(asyncio.create_task(patch(seq, pod)))
            await asyncio.wait_for(asyncio.gather(*writers), 60)
            await all_seen(seqs, 30)
        finally:
            for task in tasks:
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise BenchError(f"a watcher failed: {result!r}") from result
    lags = [(seen[seq] - sent[seq]) * 1000 for seen in received for seq in seqs if seq in seen]
    missed = watchers * len(seqs) - len(lags)
    return lags, missed


# --- driver -------------------------------------------------------------------------------


async def _run(args: argparse.Namespace, proc: subprocess.Popen[bytes], base: str) -> list[dict]:
    pid = proc.pid
    profile_dir: Path | None = args.py_spy
    conditions: dict[str, Any] = {
        "pods": args.pods,
        "clients": args.clients,
        "storage": args.storage,
        **({"etcd_members": args.etcd_members} if args.storage == "etcd" else {}),
        "transport": "http/1.1 loopback, aiohttp keep-alive",
        "tls": not args.plain_http,
        "authorization": args.authorization_modes
        or ("always-allow" if args.plain_http else "server default"),
        "cpus": os.cpu_count(),
    }
    figures: list[tuple[str, float, str, dict[str, Any]]] = []

    await _wait_ready(base)
    await _create_namespace(base)

    _log(f"creating {args.pods} pods with {args.clients} clients")
    bodies = [_pod_body(i) for i in range(args.pods)]
    async with _phase("create", pid, profile_dir) as create_cpu:
        create_rate = await _creates(base, bodies, args.clients, deadline_s=600)
    _log(f"  {create_rate:.0f} creates/s ({create_cpu})")
    figures.append(("create_per_s", create_rate, "pods/s", create_cpu))

    _log(f"GETs at {args.get_rate:.0f}/s for {args.get_seconds:.0f} s")
    async with _phase("get", pid, profile_dir) as get_cpu:
        lat, slack = await _paced_gets(base, args.pods, args.get_rate, args.get_seconds)
    get_extra = {
        **get_cpu,
        "rate_per_s": args.get_rate,
        "requests": len(lat),
        "send_slack_p99_ms": round(percentile(slack, 0.99), 3),
    }
    _log(f"  p50 {percentile(lat, 0.5):.2f} ms, p99 {percentile(lat, 0.99):.2f} ms ({get_cpu})")
    figures.append(("get_p50_ms", percentile(lat, 0.5), "ms", get_extra))
    figures.append(("get_p99_ms", percentile(lat, 0.99), "ms", get_extra))

    _log(f"{args.list_runs} LISTs of {args.pods} pods")
    async with _phase("list", pid, profile_dir) as list_cpu:
        lists, answers = await _lists(base, args.list_runs)
    for answer in answers:
        _check_list(answer, args.pods)
    del answers
    _log(f"  {', '.join(f'{t:.0f}' for t in lists)} ms ({list_cpu})")
    list_extra = {"runs": args.list_runs, **list_cpu}
    figures.append(("list_10k_ms", statistics.median(lists), "ms", list_extra))

    rss = rss_mb(pid)
    _log(f"  server RSS {rss:.0f} MiB")
    figures.append(("rss_mb", rss, "MiB", {"after": "creates, gets and lists"}))

    _log(f"{args.watchers} watchers, {args.updates} updates over {args.update_seconds:.0f} s")
    async with _phase("watch", pid, profile_dir) as watch_cpu:
        lags, missed = await _watch_lags(
            base, args.pods, args.watchers, args.updates, args.update_seconds
        )
    if missed:
        _log(f"  WARNING: {missed} (watcher, event) pairs never arrived")
    if not lags:
        raise BenchError("no watch event arrived")
    watch_extra = {
        **watch_cpu,
        "watchers": args.watchers,
        "updates": args.updates,
        "update_seconds": args.update_seconds,
        "lag_from": "send",
        "samples": len(lags),
        "missed": missed,
    }
    _log(f"  p50 {percentile(lags, 0.5):.1f} ms, p99 {percentile(lags, 0.99):.1f} ms ({watch_cpu})")
    figures.append(("watch_lag_p50_ms", percentile(lags, 0.5), "ms", watch_extra))
    figures.append(("watch_lag_p99_ms", percentile(lags, 0.99), "ms", watch_extra))

    return [
        {
            "bench": "apiserver",
            "figure": figure,
            "value": round(value, 2),
            "unit": unit,
            "conditions": {**conditions, **extra},
        }
        for figure, value, unit, extra in figures
    ]


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, help="pods to create (default 10000; --quick 1000)")
    parser.add_argument("--quick", action="store_true", help="a short run (a few seconds)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--get-rate", type=float, default=500.0)
    parser.add_argument("--get-seconds", type=float, help="default 10; --quick 2")
    parser.add_argument("--list-runs", type=int, help="default 5; --quick 3")
    parser.add_argument("--watchers", type=int, default=100)
    parser.add_argument("--updates", type=int, help="default 200; --quick 50")
    parser.add_argument("--update-seconds", type=float, help="default 4; --quick 1")
    parser.add_argument("--py-spy", type=Path, metavar="DIR", help="profile each phase into DIR")
    parser.add_argument("--storage", choices=("sqlite", "etcd"), default="sqlite")
    parser.add_argument(
        "--plain-http",
        action="store_true",
        help="serve plain HTTP without authentication (anonymous, always-allow)",
    )
    parser.add_argument(
        "--authorization-modes",
        help="comma-separated authorizers (options.apiserver.authorization-modes)",
    )
    parser.add_argument(
        "--etcd-endpoints",
        help="with --storage etcd: comma-separated client URLs (default: a 3-member etcd "
        "cluster on loopback ports, started for the run and stopped after it)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.pods = args.pods if args.pods is not None else (1000 if quick else 10_000)
    args.get_seconds = args.get_seconds or (2.0 if quick else 10.0)
    args.list_runs = args.list_runs or (3 if quick else 5)
    args.updates = args.updates or (50 if quick else 200)
    args.update_seconds = args.update_seconds or (1.0 if quick else 4.0)
    args.updates = min(args.updates, args.pods - 1)  # each on its own pod, not the warm-up's
    if args.pods < 2 or args.clients < 1 or args.watchers < 1 or args.get_rate <= 0:
        parser.error("need --pods >= 2, --clients >= 1, --watchers >= 1, --get-rate > 0")
    if args.py_spy is not None:
        if _executable("py-spy") is None:
            parser.error("--py-spy needs the py-spy executable (pip install py-spy)")
        args.py_spy.mkdir(parents=True, exist_ok=True)
    return args


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="bench-apiserver-") as tmp,
            _storage(args, Path(tmp)) as storage_config,
            _server(Path(tmp), storage_config) as (proc, base),
        ):
            _log(f"API server pid {proc.pid} at {base}")
            results = asyncio.run(_run(args, proc, base))
    except BenchError as exc:
        _log(f"run failed: {exc}")
        sys.exit(1)
    for result in results:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
