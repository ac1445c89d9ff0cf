"""Controller-manager throughput: Deployments rolled out on many simulated nodes (issue 6).

Starts ``microkube apiserver`` (``--storage``, a fresh temporary data dir, ``--port 0``) and
``microkube controller-manager`` (the ``replicaset`` and ``deployment`` controllers, leader
election on, default workers) as subprocesses, stopped by PID at the end. This process plays
``--nodes`` nodes, kwok-style: it creates the Node objects, and for every pod that appears it
binds it to a node (round robin) and reports it Running and Ready, with the containers
started. (Hollow kubelets are being built as their own component; until then the simulation
runs here, which puts its CPU cost on this process, not on the manager.)

Then ``--deployments`` Deployments of ``--replicas`` replicas are created at once (16 in
flight), and the clock runs until every Deployment reports ``Available=True`` with all its
replicas available and every pod is Running.

Figures (DESIGN.md §6, one JSON object per line, last on stdout):

- ``deployments_available_per_s``: Deployments divided by that time (goal >= 50; kwok users
  report about 5/s against kube-controller-manager with its default client QPS of 20);
- ``controller_manager_cpu_s``: user + system CPU seconds of the manager during the run;
- ``controller_manager_rss_mb``: its peak resident memory (``VmHWM``) in MiB.

``--quick`` is a small run (50 Deployments x 4 replicas on 20 nodes) for a smoke test.
Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _procs import BenchError, cpu_seconds, microkube_executable, tail

from microkube.client.api import ApiClient
from microkube.client.errors import AlreadyExistsError, ApiError, NotFoundError
from microkube.client.informer import Informer
from microkube.client.workqueue import ShutDown, WorkQueue

START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
#: Plugins the subprocesses load (others being built in the same checkout stay out of it).
APISERVER_PLUGINS = "apiserver,apiserver-admission,sqlite,memory"
MANAGER_PLUGINS = "controller-manager,workloads"


def _log(message: str) -> None:
    print(f"[controllers] {message}", file=sys.stderr, flush=True)


# -- processes ------------------------------------------------------------------------------


@contextlib.contextmanager
def _process(args: list[str], log_path: Path, plugins: str) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "MICROKUBE_LOAD_PLUGINS": plugins},
        )
    try:
        yield proc
    except BaseException:
        _log(f"{log_path.name} tail:\n{tail(log_path)}")
        raise
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_TIMEOUT)


def _wait_for_kubeconfig(proc: subprocess.Popen[bytes], data_dir: Path, log: Path) -> Path:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"API server exited with {proc.returncode}:\n{tail(log)}")
        if b"export KUBECONFIG=" in log.read_bytes():
            return data_dir / "kubeconfig"
        time.sleep(0.05)
    raise BenchError(f"API server not serving after {START_TIMEOUT:.0f} s")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmHWM for pid {pid}")


# -- the simulated nodes ----------------------------------------------------------------------


class SimulatedNodes:
    """Binds each new pod to a node and reports it Running/Ready (two requests per pod)."""

    def __init__(self, api: ApiClient, nodes: int, workers: int) -> None:
        self.api = api
        self.names = [f"bench-node-{i}" for i in range(nodes)]
        self.workers = workers
        self.queue: WorkQueue[str] = WorkQueue()
        self.informer = Informer(api, "pods")
        self.informer.add_event_handler(
            on_add=self._enqueue, on_update=lambda old, new: self._enqueue(new)
        )
        self.running: set[str] = set()
        self._next = 0
        self._tasks: list[asyncio.Task[None]] = []

    def _enqueue(self, pod: dict[str, Any]) -> None:
        meta = pod["metadata"]
        key = f"{meta['namespace']}/{meta['name']}"
        if (pod.get("status") or {}).get("phase") == "Running":
            self.running.add(key)
            return
        self.queue.add(key)

    async def create_nodes(self) -> None:
        semaphore = asyncio.Semaphore(16)

        async def one(name: str) -> None:
            async with semaphore:
                body = {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
                }
                with contextlib.suppress(AlreadyExistsError):
                    await self.api.create("nodes", body)
                status = {
                    "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                    "capacity": {"cpu": "32", "memory": "128Gi", "pods": "110"},
                    "allocatable": {"cpu": "32", "memory": "128Gi", "pods": "110"},
                }
                await self.api.patch_status("nodes", name, {"status": status})

        await asyncio.gather(*(one(name) for name in self.names))

    async def start(self) -> None:
        self.informer.start()
        await self.informer.wait_for_sync()
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]

    async def stop(self) -> None:
        self.queue.shut_down()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.informer.stop()

    async def _work(self) -> None:
        while True:
            try:
                key = await self.queue.get()
            except ShutDown:
                return
            try:
                pod = self.informer.store.get(key)
                if pod is not None:
                    await self._handle(pod)
            except ApiError as exc:
                if not isinstance(exc, NotFoundError):
                    _log(f"{key}: {exc}")
                    self.queue.add(key)
            finally:
                self.queue.done(key)

    async def _handle(self, pod: dict[str, Any]) -> None:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        if meta.get("deletionTimestamp"):
            return
        node = spec.get("nodeName")
        if not node:
            node = self.names[self._next % len(self.names)]
            self._next += 1
            await self.api.bind(meta["name"], node, meta["namespace"])
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        ready = [
            {"type": kind, "status": "True", "lastTransitionTime": now}
            for kind in ("PodScheduled", "Initialized", "ContainersReady", "Ready")
        ]
        status = {
            "phase": "Running",
            "hostIP": "10.0.0.1",
            "podIP": "10.244.0.2",
            "startTime": now,
            "conditions": ready,
            "containerStatuses": [
                {
                    "name": c["name"],
                    "image": c.get("image", ""),
                    "imageID": f"bench://{c.get('image', '')}",
                    "ready": True,
                    "started": True,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": now}},
                }
                for c in spec.get("containers") or []
            ],
        }
        await self.api.patch_status("pods", meta["name"], {"status": status}, meta["namespace"])


# -- the run ------------------------------------------------------------------------------------


def _deployment(index: int, replicas: int) -> dict[str, Any]:
    labels = {"app": f"bench-{index}"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"bench-{index}", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "busybox"}]},
            },
        },
    }


def _available(deployment: dict[str, Any], replicas: int) -> bool:
    status = deployment.get("status") or {}
    if int(status.get("availableReplicas") or 0) != replicas:
        return False
    return any(
        c.get("type") == "Available" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )


async def _run(
    args: argparse.Namespace, kubeconfig: Path, manager_pid: int, server_pid: int
) -> dict[str, float]:
    api = ApiClient.from_kubeconfig(kubeconfig, max_idle=64)
    nodes = SimulatedNodes(api, args.nodes, workers=32)
    deployments = Informer(api, "deployments", namespace="default")
    available: set[str] = set()
    total_pods = args.deployments * args.replicas

    def seen(obj: dict[str, Any]) -> None:
        if _available(obj, args.replicas):
            available.add(obj["metadata"]["name"])

    deployments.add_event_handler(on_add=seen, on_update=lambda old, new: seen(new))
    try:
        _log(f"creating {args.nodes} nodes")
        await nodes.create_nodes()
        await nodes.start()
        deployments.start()
        await deployments.wait_for_sync()
        cpu_before = cpu_seconds(manager_pid)
        server_before = cpu_seconds(server_pid)
        bench_before = time.process_time()
        started = time.monotonic()
        _log(f"creating {args.deployments} deployments of {args.replicas} replicas")
        semaphore = asyncio.Semaphore(16)

        async def create(index: int) -> None:
            async with semaphore:
                await api.create("deployments", _deployment(index, args.replicas), "default")

        await asyncio.gather(*(create(i) for i in range(args.deployments)))
        created = time.monotonic() - started
        _log(f"created in {created:.1f} s")
        last_report = 0.0
        while len(available) < args.deployments or len(nodes.running) < total_pods:
            elapsed = time.monotonic() - started
            if elapsed > args.limit:
                raise BenchError(
                    f"not converged after {args.limit:.0f} s: {len(available)} deployments "
                    f"available, {len(nodes.running)} pods running"
                )
            if elapsed - last_report >= 5:
                last_report = elapsed
                _log(
                    f"{elapsed:6.1f} s: {len(available)}/{args.deployments} available, "
                    f"{len(nodes.running)}/{total_pods} pods running"
                )
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        _log(f"all available after {elapsed:.1f} s")
        return {
            "seconds": elapsed,
            "cpu": cpu_seconds(manager_pid) - cpu_before,
            "rss": _peak_rss_mb(manager_pid),
            "server_cpu": cpu_seconds(server_pid) - server_before,
            "bench_cpu": time.process_time() - bench_before,
            "load": os.getloadavg()[0],
        }
    finally:
        await deployments.stop()
        await nodes.stop()
        await api.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deployments", type=int, default=1000)
    parser.add_argument("--replicas", type=int, default=10)
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--storage", default="sqlite", choices=["sqlite", "memory"])
    parser.add_argument("--workers", type=int, default=5, help="manager workers per controller")
    parser.add_argument("--limit", type=float, default=1800.0, help="give up after seconds")
    parser.add_argument("--quick", action="store_true", help="50 x 4 on 20 nodes")
    args = parser.parse_args(argv)
    if args.quick:
        args.deployments, args.replicas, args.nodes = 50, 4, 20
    exe = microkube_executable()
    with tempfile.TemporaryDirectory(prefix="microkube-bench-controllers-") as tmp:
        data_dir = Path(tmp)
        config = data_dir / "config.json"
        config.write_text(json.dumps({"storage": args.storage}))
        server_log, manager_log = data_dir / "apiserver.log", data_dir / "manager.log"
        common = ["--config", str(config), "--data-dir", str(data_dir)]
        server_args = [exe, *common, "apiserver", "--port", "0"]
        with _process(server_args, server_log, APISERVER_PLUGINS) as server:
            kubeconfig = _wait_for_kubeconfig(server, data_dir, server_log)
            manager_args = [
                exe,
                *common,
                "controller-manager",
                "--kubeconfig",
                str(kubeconfig),
                "--controllers",
                "replicaset,deployment",
                "--workers",
                str(args.workers),
            ]
            with _process(manager_args, manager_log, MANAGER_PLUGINS) as manager:
                time.sleep(0.5)
                if manager.poll() is not None:
                    raise BenchError(f"controller manager exited:\n{tail(manager_log)}")
                result = asyncio.run(_run(args, kubeconfig, manager.pid, server.pid))
    conditions = {
        "deployments": args.deployments,
        "replicas": args.replicas,
        "nodes": args.nodes,
        "pods": args.deployments * args.replicas,
        "storage": args.storage,
        "controllers": "replicaset,deployment",
        "workers_per_controller": args.workers,
        "kubelets": "simulated in the bench process (bind + Running/Ready status per pod)",
        "cpus": os.cpu_count(),
        "seconds": round(result["seconds"], 1),
        "apiserver_cpu_s": round(result["server_cpu"], 1),
        "bench_process_cpu_s": round(result["bench_cpu"], 1),
        "host_load_1m_at_end": round(result["load"], 1),
    }
    figures = [
        ("deployments_available_per_s", args.deployments / result["seconds"], "deployments/s"),
        ("controller_manager_cpu_s", result["cpu"], "s"),
        ("controller_manager_rss_mb", result["rss"], "MiB"),
    ]
    for figure, value, unit in figures:
        line = {
            "bench": "controllers",
            "figure": figure,
            "value": round(value, 2),
            "unit": unit,
            "conditions": conditions,
        }
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench/controllers.py: {exc}", file=sys.stderr)
        sys.exit(1)
