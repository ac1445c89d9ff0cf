"""Scheduler throughput, shaped like upstream scheduler_perf's workloads (issue 5's figures).

Each workload runs on a fresh cluster: the real API server in this process
(``microkube.testing.cluster.LocalCluster``, an ephemeral loopback port, ``--storage``), and
the scheduler component with the default profile in its own process, as kube-scheduler runs
beside its API server (this script with ``--child``, which reports the scheduler's own
measurements back over a pipe); ``--in-process`` runs the scheduler in this process and event
loop too (one core for everything). ``--nodes`` Node
objects (upstream's node-default: 4 cpu, 32Gi, 110 pods, Ready, a hostname and one of
``--zones`` zone labels) are created through the API first, outside the clock. Then pods
(upstream's pod-default: one container requesting 100m cpu and 500Mi) are created through the
API, ``--clients`` in flight, and the clock runs from the first create until the scheduler has
bound every one (each ``pods/binding`` answered 201; checked afterwards with a LIST counting
pods with a ``nodeName``).

Figures (DESIGN.md §6, one JSON object per line, last on stdout):

- ``e2e_pods_per_s``: SchedulingBasic — ``--pods`` plain pods, divided by that time
  (goal >= 680, upstream kube-scheduler's CI floor for 5,000 nodes);
- ``algorithm_pods_per_s``: the same pods divided by the time the scheduling algorithm itself
  took (PreFilter..Score and the choice of a node, summed over pods), in CPU time of the
  scheduling thread, so that waiting for a CPU on the shared machine does not count;
- ``filter_ms``, ``score_ms``, ``bind_ms``: per pod, median, in that workload: finding the
  feasible nodes (PreFilter + Filter) and scoring them (PreScore + Score + NormalizeScore), both
  in thread CPU time, and one binding cycle (Permit..Bind, the API call included), wall clock;
- ``anti_affinity_pods_per_s``: SchedulingPodAntiAffinity — ``--affinity-pods`` pods, each with
  a required anti-affinity to the others by hostname (upstream floor 60);
- ``topology_spread_pods_per_s``: TopologySpreading — ``--spread-pods`` pods with a
  ``DoNotSchedule`` zone spread constraint (maxSkew 1) (upstream floor 460).

``--quick`` shrinks everything for a smoke run. ``--py-spy DIR`` records each workload's
stacks (this process) into DIR. Progress goes to stderr; the figures are the last lines on
stdout. The machine may be shared: figures are what this run measured, under that load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from _procs import BenchError

from microkube.testing.cluster import LocalCluster

NAMESPACE = "default"
ZONE = "topology.kubernetes.io/zone"


def _log(message: str) -> None:
    print(f"[scheduler bench] {message}", file=sys.stderr, flush=True)


def node_body(index: int, zones: int) -> dict[str, Any]:
    name = f"node-{index}"
    allocatable = {"cpu": "4", "memory": "32Gi", "pods": "110"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/hostname": name, ZONE: f"zone-{index % zones}"},
        },
        "status": {
            "capacity": allocatable,
            "allocatable": allocatable,
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
        },
    }


def pod_body(name: str, **spec: Any) -> dict[str, Any]:
    labels = spec.pop("labels", {})
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
        "spec": {
            "containers": [
                {
                    "name": "pause",
                    "image": "registry.k8s.io/pause:3.10",
                    "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}},
                }
            ],
            **spec,
        },
    }


def basic_pod(i: int) -> dict[str, Any]:
    return pod_body(f"pod-{i}")


def anti_affinity_pod(i: int) -> dict[str, Any]:
    term = {
        "labelSelector": {"matchLabels": {"color": "green"}},
        "topologyKey": "kubernetes.io/hostname",
    }
    return pod_body(
        f"anti-{i}",
        labels={"color": "green"},
        affinity={"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}},
    )


def spread_pod(i: int) -> dict[str, Any]:
    constraint = {
        "maxSkew": 1,
        "topologyKey": ZONE,
        "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"app": "spread"}},
    }
    return pod_body(f"spread-{i}", labels={"app": "spread"}, topologySpreadConstraints=[constraint])


async def _create_all(api: Any, resource: str, bodies: Iterator[dict], clients: int) -> None:
    """Create every body, ``clients`` requests in flight."""
    failures: list[BaseException] = []

    async def worker() -> None:
        for body in bodies:
            try:
                await api.create(resource, body, NAMESPACE if resource == "pods" else None)
            except Exception as exc:  # the run is broken: report the first failure
                failures.append(exc)
                return

    await asyncio.gather(*(worker() for _ in range(clients)))
    if failures:
        raise BenchError(f"creating {resource}: {failures[0]}")


async def _wait(predicate: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {within:.0f}s waiting for {what}")
        await asyncio.sleep(0.02)


@contextlib.contextmanager
def _py_spy(directory: Path | None, name: str, child: int | None = None) -> Iterator[None]:
    """Record this process's stacks (and the scheduler process's, when it has its own)."""
    with (
        _py_spy_one(directory, name, os.getpid()),
        _py_spy_one(directory, f"{name}-scheduler", child),
    ):
        yield


@contextlib.contextmanager
def _py_spy_one(directory: Path | None, name: str, pid: int | None) -> Iterator[None]:
    if directory is None or pid is None:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--rate",
            "50",
            "--output",
            str(directory / f"{name}.txt"),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        process.send_signal(2)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)


def _storage_options(args: argparse.Namespace, workload: str) -> dict[str, dict[str, Any]]:
    """With etcd, each workload's fresh cluster lives under a key prefix of its own."""
    if args.storage != "etcd":
        return {}
    etcd = {"endpoints": args.etcd_endpoints, "prefix": f"/{workload}", "compaction-interval": 0}
    return {"etcd": etcd}


async def run_workload(
    args: argparse.Namespace, work: Path, name: str, pods: int, make: Callable[[int], dict]
) -> dict[str, Any]:
    """One workload on a fresh cluster; its timings."""
    data = work / name
    in_process = args.in_process
    cluster = LocalCluster(
        data,
        ["apiserver", "scheduler"] if in_process else ["apiserver"],
        storage=args.storage,
        options={"scheduler": {"parallelism": args.parallelism}, **_storage_options(args, name)},
    )
    async with cluster:
        api = cluster.client(max_idle=args.clients + 4)
        _log(f"{name}: creating {args.nodes} nodes")
        await _create_all(api, "nodes", (node_body(i, args.zones) for i in range(args.nodes)), 32)
        if in_process:
            scheduler: Any = InProcessScheduler(cluster.components["scheduler"].scheduler)
        else:
            scheduler = await ChildScheduler.start(cluster.kubeconfig, args.parallelism)
        try:
            await scheduler.wait_for_nodes(args.nodes)
            await scheduler.begin()
            _log(f"{name}: creating {pods} pods")
            with _py_spy(args.py_spy, name, scheduler.pid):
                started = time.perf_counter()
                creating = asyncio.create_task(
                    _create_all(api, "pods", (make(i) for i in range(pods)), args.clients)
                )
                deadline = time.monotonic() + args.within
                while await scheduler.scheduled() < pods:
                    if creating.done() and creating.exception():
                        await creating
                    if time.monotonic() > deadline:
                        raise BenchError(f"{name}: timed out waiting for {pods} pods to be bound")
                    await asyncio.sleep(0.02)
                elapsed = time.perf_counter() - started
                await creating
            metrics = await scheduler.finish()
        finally:
            await scheduler.close()
        listed = await api.list_all("pods", NAMESPACE)
        bound = sum(1 for p in listed["items"] if (p.get("spec") or {}).get("nodeName"))
        if bound < pods:
            raise BenchError(f"{name}: only {bound} of {pods} pods are bound")
        _log(f"{name}: {pods} pods bound in {elapsed:.2f}s ({pods / elapsed:.0f} pods/s)")
        return {"pods": pods, "elapsed": elapsed, **metrics}


def _summary(metrics: Any) -> dict[str, Any]:
    return {
        "algorithm": sum(metrics.algorithm),
        "filter_ms": metrics.median_ms(metrics.filter),
        "score_ms": metrics.median_ms(metrics.score),
        "bind_ms": metrics.median_ms(metrics.bind),
        "unschedulable": metrics.unschedulable,
        "errors": metrics.errors,
    }


class InProcessScheduler:
    """The scheduler component running in this process (``--in-process``)."""

    pid = None

    def __init__(self, scheduler: Any) -> None:
        self.scheduler = scheduler

    async def wait_for_nodes(self, nodes: int) -> None:
        await _wait(lambda: len(self.scheduler.cache) >= nodes, 300, "the scheduler's nodes")

    async def begin(self) -> None:
        self.scheduler.metrics.reset()
        self.scheduler.metrics.enabled = True

    async def scheduled(self) -> int:
        return self.scheduler.metrics.scheduled

    async def finish(self) -> dict[str, Any]:
        self.scheduler.metrics.enabled = False
        return _summary(self.scheduler.metrics)

    async def close(self) -> None:
        return None


class ChildScheduler:
    """The scheduler component in its own process (this script with ``--child``), as
    kube-scheduler runs beside the API server; spoken to by lines on stdin/stdout."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.pid = process.pid

    @classmethod
    async def start(cls, kubeconfig: Path, parallelism: int) -> ChildScheduler:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--child",
            str(kubeconfig),
            "--parallelism",
            str(parallelism),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 24,
        )
        child = cls(process)
        await child._ask("started")
        return child

    async def _ask(self, command: str) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{command}\n".encode())
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise BenchError(f"the scheduler process exited (asked {command!r})")
        return json.loads(line)

    async def wait_for_nodes(self, nodes: int) -> None:
        deadline = time.monotonic() + 300
        while await self._ask("nodes") < nodes:
            if time.monotonic() > deadline:
                raise BenchError("timed out waiting for the scheduler's nodes")
            await asyncio.sleep(0.1)

    async def begin(self) -> None:
        await self._ask("begin")

    async def scheduled(self) -> int:
        return await self._ask("scheduled")

    async def finish(self) -> dict[str, Any]:
        return await self._ask("finish")

    async def close(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(BenchError, OSError, ValueError):
                await self._ask("exit")
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def _child(kubeconfig: str, parallelism: int) -> None:
    """``--child``: run the scheduler component and answer the parent's questions."""
    work = Path(tempfile.mkdtemp(prefix="microkube-scheduler-bench-child-"))
    cluster = LocalCluster(
        work,
        ["scheduler"],
        options={"scheduler": {"kubeconfig": kubeconfig, "parallelism": parallelism}},
    )
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def answer(value: Any) -> None:
        sys.stdout.write(json.dumps(value) + "\n")
        sys.stdout.flush()

    try:
        async with cluster:
            scheduler = cluster.components["scheduler"].scheduler
            metrics = scheduler.metrics
            while line := (await reader.readline()).decode().strip():
                if line == "started":
                    answer(True)
                elif line == "nodes":
                    answer(len(scheduler.cache))
                elif line == "begin":
                    metrics.reset()
                    metrics.enabled = True
                    answer(True)
                elif line == "scheduled":
                    answer(metrics.scheduled)
                elif line == "finish":
                    metrics.enabled = False
                    answer(_summary(metrics))
                else:
                    answer(True)
                    break
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _figure(name: str, value: float, unit: str, conditions: dict) -> str:
    return json.dumps(
        {
            "bench": "scheduler",
            "figure": name,
            "value": round(value, 3),
            "unit": unit,
            "conditions": conditions,
        }
    )


async def _run(args: argparse.Namespace, work: Path) -> list[str]:
    common = {
        "nodes": args.nodes,
        "storage": args.storage,
        "processes": (
            "apiserver+scheduler+client in one process and event loop"
            if args.in_process
            else "apiserver+client in one process; the scheduler in its own"
        ),
        "algorithm_clock": "thread CPU time",
        "clients": args.clients,
        "parallelism": args.parallelism,
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "shared_machine": True,
    }
    lines = []
    basic = await run_workload(args, work, "basic", args.pods, basic_pod)
    conditions = {**common, "pods": args.pods, "workload": "SchedulingBasic"}
    lines.append(_figure("e2e_pods_per_s", basic["pods"] / basic["elapsed"], "pods/s", conditions))
    algorithm = basic["pods"] / basic["algorithm"] if basic["algorithm"] else 0.0
    lines.append(_figure("algorithm_pods_per_s", algorithm, "pods/s", conditions))
    for figure in ("filter_ms", "score_ms", "bind_ms"):
        lines.append(_figure(figure, basic[figure], "ms", conditions))
    anti = await run_workload(args, work, "anti-affinity", args.affinity_pods, anti_affinity_pod)
    lines.append(
        _figure(
            "anti_affinity_pods_per_s",
            anti["pods"] / anti["elapsed"],
            "pods/s",
            {**common, "pods": args.affinity_pods, "workload": "SchedulingPodAntiAffinity"},
        )
    )
    spread = await run_workload(args, work, "topology-spread", args.spread_pods, spread_pod)
    lines.append(
        _figure(
            "topology_spread_pods_per_s",
            spread["pods"] / spread["elapsed"],
            "pods/s",
            {
                **common,
                "pods": args.spread_pods,
                "zones": args.zones,
                "workload": "TopologySpreading",
            },
        )
    )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--affinity-pods", type=int, default=1000)
    parser.add_argument("--spread-pods", type=int, default=2000)
    parser.add_argument("--zones", type=int, default=10)
    parser.add_argument("--storage", default="sqlite", choices=("sqlite", "memory", "etcd"))
    parser.add_argument(
        "--etcd-endpoints",
        help="with --storage etcd: comma-separated client URLs (default: a 3-member etcd "
        "cluster on loopback ports, started for the run and stopped after it)",
    )
    parser.add_argument("--clients", type=int, default=16, help="pod creates in flight")
    parser.add_argument("--parallelism", type=int, default=16, help="binding cycles in flight")
    parser.add_argument("--within", type=float, default=1800, help="seconds before giving up")
    parser.add_argument("--py-spy", type=Path, help="record stacks per workload into this dir")
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the scheduler in this process too (default: its own process)",
    )
    parser.add_argument("--child", metavar="KUBECONFIG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        asyncio.run(_child(args.child, args.parallelism))
        return
    if args.quick:
        args.nodes = min(args.nodes, 500)
        args.pods = min(args.pods, 1000)
        args.affinity_pods = min(args.affinity_pods, 200)
        args.spread_pods = min(args.spread_pods, 300)
    work = Path(tempfile.mkdtemp(prefix="microkube-scheduler-bench-"))
    try:
        with contextlib.ExitStack() as stack:
            if args.storage == "etcd" and not args.etcd_endpoints:
                from microkube.testing.etcd import EtcdCluster

                etcd = stack.enter_context(EtcdCluster(work / "etcd", members=3))
                args.etcd_endpoints = ",".join(etcd.endpoints)
            lines = asyncio.run(_run(args, work))
    except BenchError as exc:
        print(f"scheduler bench failed: {exc}", file=sys.stderr)
        sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
