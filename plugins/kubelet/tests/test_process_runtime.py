"""The kubelet over the real ``process`` runtime (host processes in per-pod network
namespaces): env and logs, an HTTP readiness probe through port-forward, CrashLoopBackOff,
and deletion that leaves no process behind."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

FAST = {
    "node-name": "node-1",
    "port": 0,
    "runtime": "process",
    "pleg-relist-period": 0.2,
    "crashloop-backoff-initial": 0.5,
    "crashloop-backoff-max": 4.0,
}


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def _pod(name: str, container: dict, **spec) -> dict:  # type: ignore[type-arg]
    return {
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"nodeName": "node-1", "containers": [container], **spec},
    }


@pytest.fixture
async def process_cluster(microkube_cluster):  # type: ignore[no-untyped-def]
    return await microkube_cluster("apiserver", "kubelet", options={"kubelet": dict(FAST)})


async def test_process_pod_runs_logs_gets_ready_and_leaves_no_process(process_cluster, poll):
    cluster = process_cluster
    api = cluster.client()
    marker = "microkube-kubelet-test-http"
    script = (
        "import http.server, os; print('hello from', os.environ['POD'], flush=True); "
        "http.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, port=8080)"
        f"  # {marker}"
    )
    container = {
        "name": "web",
        "image": "python:3",
        "command": [sys.executable, "-c", script],
        "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "readinessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1},
    }
    created = await api.create("pods", _pod("web", container, terminationGracePeriodSeconds=5))

    async def ready():  # type: ignore[no-untyped-def]
        pod = await api.get("pods", "web", "default")
        conditions = {
            c["type"]: c["status"] for c in (pod.get("status") or {}).get("conditions") or []
        }
        return pod if conditions.get("Ready") == "True" else None

    await poll(ready, within=60, what="the process pod Ready by its HTTP probe")
    assert _processes_with(marker)
    log = cluster.data_dir / "kubelet" / "pods" / created["metadata"]["uid"] / "web" / "0.log"

    async def logged():  # type: ignore[no-untyped-def]
        return log.exists() and "hello from web" in log.read_text()

    await poll(logged, what="the container's log line")
    await api.delete("pods", "web", "default")

    async def gone():  # type: ignore[no-untyped-def]
        items = (await api.list("pods", "default"))["items"]
        return not items and not _processes_with(marker)

    await poll(gone, within=30, what="pod deleted and its process gone")


async def test_process_pod_that_exits_one_goes_to_crash_loop(process_cluster, poll):
    api = process_cluster.client()
    container = {"name": "bad", "image": "busybox", "command": ["sh", "-c", "exit 1"]}
    await api.create("pods", _pod("bad", container))

    async def crashing():  # type: ignore[no-untyped-def]
        pod = await api.get("pods", "bad", "default")
        for status in (pod.get("status") or {}).get("containerStatuses") or []:
            waiting = status["state"].get("waiting") or {}
            if waiting.get("reason") == "CrashLoopBackOff" and status["restartCount"] >= 2:
                return status
        return None

    status = await poll(crashing, within=60, what="CrashLoopBackOff")
    assert status["lastState"]["terminated"]["exitCode"] == 1
    assert status["lastState"]["terminated"]["reason"] == "Error"
    assert status["containerID"].split("://")[0]
    netns_before = _netns()
    await api.delete("pods", "bad", "default")

    async def gone():  # type: ignore[no-untyped-def]
        left = (await api.list("pods", "default"))["items"]
        return not left and bool(netns_before - _netns())

    await poll(gone, within=30, what="the pod and its network namespace removed")


def _netns() -> set[str]:
    try:
        return {p.name for p in Path("/run/netns").iterdir()}
    except FileNotFoundError:
        return set()
