"""Pod start-up through the whole stack, and what the cluster costs when idle (issue 7's figures).

Starts ``microkube up`` as a subprocess (API server, controller manager, scheduler, one
kubelet with the process runtime, kube-proxy and DNS, sqlite storage, a fresh temporary data
dir, ephemeral ports), waits for its node to be Ready, and stops it by PID at the end
(SIGTERM, then SIGKILL). ``up`` programs the node's network (a CNI bridge, nftables rules), so
the whole run happens in a network namespace the bench makes and removes
(:class:`microkube.testing.netns.NetNamespace` with an uplink): the host is left untouched.

``--runtime containerd``: the kubelet drives a real containerd instead, started by PID in the
same namespace (:class:`microkube.testing.containerd.Containerd`, which also builds and
imports the busybox and pause images); its pods are removed before it stops.
The second kubelet of ``kubelet_idle_rss_mb`` is then not run (it would share the
containerd), so that figure is reported for the process runtime only.

- ``cluster_idle_rss_mb``: RSS of the ``microkube up`` process and its component processes
  once the node is Ready and the cluster has been idle for ``--idle-seconds`` (goal <= 250).
- ``kubelet_idle_rss_mb``: RSS of a second node's ``microkube kubelet`` process (its own
  process, the same cluster, no pods) after the same idle time (goal <= 60).
- ``startup_p50_ms`` / ``startup_p99_ms``: a Deployment of ``--pods`` replicas (each a
  ``sleep`` process); for every pod, the time from the watch seeing it ADDED to the watch
  seeing it Running with all containers ready — create-to-Running observed through a watch,
  Kubernetes' pod start-up SLI (SLO p99 <= 5 s; goal p99 <= 1,000 ms).

Progress goes to stderr; the figures are the last lines on stdout (DESIGN.md §6).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _procs import BenchError, microkube_executable, percentile, rss_mb, stop, tail

from microkube.client import ApiClient
from microkube.testing.netns import NetNamespace

START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
NAMESPACE = "default"


def _log(message: str) -> None:
    print(f"[pod_startup bench] {message}", file=sys.stderr, flush=True)


def _children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            children += [int(c) for c in (task / "children").read_text().split()]
    return children


def _microkube_tree_rss_mb(pid: int) -> float:
    """RSS of ``pid`` and every microkube process below it (``up`` runs one process per
    component; pods' own processes, also below the kubelet, are not counted)."""
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{current}/cmdline").read_bytes()
            if current == pid or b"microkube" in command:
                total += rss_mb(current)
            todo += _children(current)
    return total


#: The pods' image (containerd stores it under this name; the process runtime records it).
IMAGE = "busybox:1.36"


def _write_config(
    path: Path,
    data_dir: Path,
    node: str,
    extra: dict[str, Any],
    containerd: dict[str, Any] | None = None,
) -> None:
    """A configuration: process (or containerd) runtime, sqlite, ephemeral API server and
    kubelet ports."""
    options: dict[str, Any] = {
        "apiserver": {"port": 0},
        "kubelet": {"node-name": node, "port": 0, **extra},
        # The bench's pods must not outlive it.
        "process": {"stop-pods-on-close": True},
    }
    if containerd is not None:
        options["containerd"] = {**containerd, "stop-pods-on-close": True}
    config = {
        "data-dir": str(data_dir),
        "storage": "sqlite",
        "runtime": "containerd" if containerd is not None else "process",
        "options": options,
    }
    path.write_text(json.dumps(config))


@contextlib.contextmanager
def _process(command: list[str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield proc
    except BaseException:
        _log(f"log tail of {command[1]}:\n{tail(log_path)}")
        raise
    finally:
        stop(proc, STOP_TIMEOUT, _log)


async def _wait_for(what: str, seconds: float, check: Any) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(Exception):
            found = await check()
            if found:
                return found
        if time.monotonic() > deadline:
            raise BenchError(f"{what} not reached within {seconds:.0f} s")
        await asyncio.sleep(0.2)


async def _node_ready(api: ApiClient, name: str) -> bool:
    node = await api.get("nodes", name)
    conditions = (node.get("status") or {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def _deployment(name: str, replicas: int) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": 1,
                    "containers": [{"name": "sleep", "image": IMAGE, "command": ["sleep", "3600"]}],
                },
            },
        },
    }


def _running(pod: dict[str, Any]) -> bool:
    status = pod.get("status") or {}
    statuses = status.get("containerStatuses") or []
    return (
        status.get("phase") == "Running"
        and bool(statuses)
        and all(s.get("ready") for s in statuses)
    )


async def _startups(api: ApiClient, pods: int, within: float) -> list[float]:
    """Create the Deployment and time each pod from ADDED to Running through one watch."""
    listed = await api.list("pods", NAMESPACE, label_selector="app=startup")
    rv = listed["metadata"]["resourceVersion"]
    added: dict[str, float] = {}
    running: dict[str, float] = {}

    async def watch() -> None:
        async for event in api.watch(
            "pods", NAMESPACE, label_selector="app=startup", resource_version=rv
        ):
            now = time.monotonic()
            pod = event.object
            name = pod["metadata"]["name"]
            added.setdefault(name, now)
            if name not in running and _running(pod):
                running[name] = now
            if len(running) >= pods:
                return

    watcher = asyncio.create_task(watch())
    await asyncio.sleep(0.2)  # the watch is open before the first pod exists
    await api.create("deployments", _deployment("startup", pods), NAMESPACE)
    try:
        await asyncio.wait_for(watcher, within)
    except TimeoutError:
        raise BenchError(
            f"only {len(running)} of {pods} pods Running within {within:.0f} s"
        ) from None
    return [(running[name] - added[name]) * 1000 for name in running]


@contextlib.contextmanager
def _containerd(runtime: str, netns: str) -> Iterator[dict[str, Any] | None]:
    """The containerd options of the run (None: the process runtime)."""
    if runtime != "containerd":
        yield None
        return
    from microkube.testing.containerd import (
        Containerd,
        busybox_image_archive,
        containerd_available,
    )

    missing = containerd_available()
    if missing is not None:
        raise BenchError(f"containerd cannot run here: {missing}")
    base = Path(tempfile.mkdtemp(prefix="mkbench-"))  # short: socket paths stop at 108 bytes
    try:
        with Containerd(base, netns=netns) as daemon:
            daemon.import_archive(
                busybox_image_archive(base / "images" / "bench.tar", f"docker.io/library/{IMAGE}")
            )
            _log(f"containerd pid {daemon.pid} at {daemon.address}")
            yield {
                "address": daemon.address,
                "pod-cidr": "10.88.0.0/16",
                "cgroup-parent": daemon.cgroup_prefix,
            }
    finally:
        shutil.rmtree(base, ignore_errors=True)


async def _run(
    args: argparse.Namespace, work: Path, netns: str
) -> list[tuple[str, float, str, dict]]:
    with _containerd(args.runtime, netns) as containerd:
        return await _run_cluster(args, work, containerd)


async def _run_cluster(
    args: argparse.Namespace, work: Path, containerd: dict[str, Any] | None
) -> list[tuple[str, float, str, dict]]:
    exe = microkube_executable()
    host = os.uname().nodename
    up_config = work / "up.json"
    _write_config(up_config, work / "cluster", "bench-node", {}, containerd)
    figures: list[tuple[str, float, str, dict]] = []
    conditions = {"runtime": args.runtime, "storage": "sqlite", "cpus": os.cpu_count()}
    up_command = [exe, "--config", str(up_config), "up"]
    with _process(up_command, work / "up.log") as up:
        kubeconfig = work / "cluster" / "kubeconfig"

        async def written() -> bool:
            return kubeconfig.exists()

        await _wait_for("kubeconfig", START_TIMEOUT, written)
        api = ApiClient.from_kubeconfig(kubeconfig)
        try:
            await _wait_for("node Ready", START_TIMEOUT, lambda: _node_ready(api, "bench-node"))
            _log(f"cluster up (pid {up.pid}); idle for {args.idle_seconds:.0f} s")

            idle = {**conditions, "idle_seconds": args.idle_seconds, "host": host}
            if containerd is None:
                second = work / "second.json"
                _write_config(second, work / "cluster", "bench-node-2", {})
                kubelet_command = [exe, "--config", str(second), "kubelet"]
                with _process(kubelet_command, work / "kubelet.log") as kubelet:
                    await _wait_for(
                        "second node Ready",
                        START_TIMEOUT,
                        lambda: _node_ready(api, "bench-node-2"),
                    )
                    await asyncio.sleep(args.idle_seconds)
                    cluster_rss = _microkube_tree_rss_mb(up.pid)
                    kubelet_rss = rss_mb(kubelet.pid)
                await api.delete("nodes", "bench-node-2")
                figures.append(("kubelet_idle_rss_mb", round(kubelet_rss, 1), "MiB", idle))
                _log(f"idle RSS: kubelet {kubelet_rss:.0f} MiB")
            else:
                await asyncio.sleep(args.idle_seconds)
                cluster_rss = _microkube_tree_rss_mb(up.pid)
            figures.insert(0, ("cluster_idle_rss_mb", round(cluster_rss, 1), "MiB", idle))
            _log(f"idle RSS: cluster {cluster_rss:.0f} MiB")

            _log(f"Deployment of {args.pods} pods")
            samples = await _startups(api, args.pods, args.within)
            run = {**conditions, "pods": args.pods, "measured_from": "watch ADDED"}
            p50, p99 = statistics.median(samples), percentile(samples, 0.99)
            _log(f"start-up p50 {p50:.0f} ms, p99 {p99:.0f} ms")
            figures.append(("startup_p50_ms", round(p50, 1), "ms", run))
            figures.append(("startup_p99_ms", round(p99, 1), "ms", run))
            await api.delete("deployments", "startup", NAMESPACE)
        finally:
            await api.close()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, help="replicas to start (default 100; --quick 20)")
    parser.add_argument("--idle-seconds", type=float, help="default 10; --quick 3")
    parser.add_argument("--within", type=float, default=300.0, help="give up after (s)")
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument(
        "--runtime",
        choices=("process", "containerd"),
        default="process",
        help="the kubelet's container runtime (containerd: a real one, started here)",
    )
    args = parser.parse_args(argv)
    args.pods = args.pods or (20 if args.quick else 100)
    args.idle_seconds = args.idle_seconds or (3.0 if args.quick else 10.0)
    work = Path(tempfile.mkdtemp(prefix="microkube-pod-startup-"))
    try:
        with NetNamespace() as host:
            host.add_uplink()
            # On a thread inside the namespace: the processes it starts are born there.
            figures = host.call(lambda: asyncio.run(_run(args, work, host.path)))
    except BenchError as exc:
        _log(f"run failed: {exc}")
        sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for figure, value, unit, conditions in figures:
        line = {"bench": "pod_startup", "figure": figure, "value": value, "unit": unit}
        print(json.dumps({**line, "conditions": conditions}), flush=True)


if __name__ == "__main__":
    main()
