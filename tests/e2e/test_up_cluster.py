"""`make up`'s cluster end to end with the real kubectl: the README example and what a user
does next — logs, exec, port-forward, top, crash loops, probes, OOM kills, Jobs, deletion.

Not here, and where it is instead: a failing readiness probe leaving the Service's endpoints
needs pod IPs, which process-runtime pods get from the networking issue's CNI plugin; the
EndpointSlice controller's tests show readiness moving endpoints, the kubelet's probe tests
show readiness moving the pod's Ready condition. The kubelet surviving a 60 s API server
outage is ``plugins/kubelet/tests/test_kubelet.py``.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from microkube.testing.cluster import KUBECTL

if TYPE_CHECKING:  # the fixture's class, for readers (conftest is not importable by name)
    from conftest import UpCluster

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hello-web.yaml"


@pytest.fixture(scope="module")
def hello_web(up_cluster: UpCluster) -> UpCluster:
    applied = up_cluster.kubectl("apply", "-f", str(EXAMPLE))
    assert applied.stdout.splitlines() == [
        "deployment.apps/hello-web created",
        "service/hello-web created",
    ]
    status = up_cluster.kubectl(
        "rollout", "status", "deployment/hello-web", "--timeout=120s", seconds=130
    )
    assert status.stdout.splitlines()[-1] == 'deployment "hello-web" successfully rolled out'
    return up_cluster


def _pod(cluster: UpCluster, name: str) -> dict:
    return cluster.json("get", "pod", name)


def test_the_readme_example_runs_three_replicas(hello_web: UpCluster) -> None:
    pods = hello_web.json("get", "pods", "-l", "app=hello-web")["items"]
    assert len(pods) == 3
    assert {p["status"]["phase"] for p in pods} == {"Running"}
    assert all(p["status"]["containerStatuses"][0]["ready"] for p in pods)
    # Three processes listen on port 8080 at once: each pod has its own network namespace.
    row = hello_web.kubectl("get", "deployment", "hello-web", "--no-headers").stdout.split()
    assert row[:4] == ["hello-web", "3/3", "3", "3"]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=20) as answer:
        return answer.status, answer.read()


def test_port_forward_reaches_the_web_server_and_logs_show_it(hello_web: UpCluster) -> None:
    forward = subprocess.Popen(
        hello_web.command(KUBECTL, "port-forward", "deployment/hello-web", ":8080"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "KUBECONFIG": str(hello_web.kubeconfig)},
    )
    try:
        assert forward.stdout is not None
        line = forward.stdout.readline()
        match = re.match(r"Forwarding from 127\.0\.0\.1:(\d+) -> 8080", line)
        assert match, line
        url = f"http://127.0.0.1:{match.group(1)}/"
        status, body = hello_web.call(_get, url)  # the forward listens in the cluster's netns
        assert status == 200
        assert b"Directory listing" in body
    finally:
        forward.terminate()
        forward.wait(10)
    logs = hello_web.kubectl("logs", "deployment/hello-web", "--tail=50").stdout
    assert '"GET / HTTP/1.1" 200' in logs


def test_exec_runs_a_command_and_an_interactive_shell(hello_web: UpCluster) -> None:
    once = hello_web.kubectl("exec", "deploy/hello-web", "--", "sh", "-c", "echo $((6 * 7))")
    assert once.stdout == "42\n"
    failed = hello_web.kubectl("exec", "deploy/hello-web", "--", "sh", "-c", "exit 3", check=False)
    assert failed.returncode == 3
    # -it needs a terminal: give kubectl one.
    main, side = pty.openpty()
    shell = subprocess.Popen(
        hello_web.command(KUBECTL, "exec", "-it", "deploy/hello-web", "--", "sh"),
        stdin=side,
        stdout=side,
        stderr=side,
        env={**os.environ, "KUBECONFIG": str(hello_web.kubeconfig), "TERM": "dumb"},
        close_fds=True,
    )
    os.close(side)
    try:
        os.write(main, b"echo tty-$((40 + 2)); exit\n")
        seen = b""
        deadline = time.monotonic() + 30
        while b"tty-42" not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1)
            if ready:
                try:
                    seen += os.read(main, 4096)
                except OSError:
                    break
        assert b"tty-42" in seen, seen
        assert shell.wait(30) == 0
    finally:
        if shell.poll() is None:
            shell.kill()
        os.close(main)


def test_top_pods_reports_each_replica(hello_web: UpCluster) -> None:
    def usage() -> list[str]:
        result = hello_web.kubectl("top", "pods", "-l", "app=hello-web", check=False)
        return [line for line in result.stdout.splitlines()[1:] if line.startswith("hello-web")]

    rows = hello_web.eventually("kubectl top pods rows", lambda: len(usage()) == 3 and usage())
    for row in rows:
        _, cpu, memory = row.split()
        assert cpu.endswith("m") and memory.endswith("Mi"), row


def test_a_crashing_container_backs_off_longer_each_time(up_cluster: UpCluster) -> None:
    up_cluster.kubectl(
        "run", "crash", "--image=busybox:1.36", "--restart=Always", "--", "sh", "-c", "exit 1"
    )
    delays: list[int] = []

    def backoff_grew() -> bool:
        status = _pod(up_cluster, "crash")["status"]
        waiting = (status.get("containerStatuses") or [{}])[0].get("state", {}).get("waiting")
        if waiting and waiting.get("reason") == "CrashLoopBackOff":
            found = re.match(r"back-off (\d+)s restarting failed container", waiting["message"])
            assert found, waiting
            if not delays or int(found.group(1)) != delays[-1]:
                delays.append(int(found.group(1)))
        return len(delays) >= 3

    up_cluster.eventually("three growing back-offs", backoff_grew, 90)
    assert delays == sorted(delays) and len(set(delays)) == len(delays), delays
    described = up_cluster.kubectl("describe", "pod", "crash").stdout
    assert "CrashLoopBackOff" in described
    assert re.search(r"Back-off restarting failed container crash in pod crash_default", described)
    up_cluster.kubectl("delete", "pod", "crash", "--wait=false")


def test_a_failing_liveness_probe_restarts_the_container(up_cluster: UpCluster) -> None:
    manifest = """
apiVersion: v1
kind: Pod
metadata: {name: unhealthy}
spec:
  # In a container the shell is PID 1 and ignores SIGTERM: keep the kill after it short.
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: busybox:1.36
      command: ["sh", "-c", "touch /probe/ok; sleep 2; rm /probe/ok; sleep 600"]
      volumeMounts: [{name: probe, mountPath: /probe}]
      livenessProbe:
        exec: {command: ["cat", "/probe/ok"]}
        periodSeconds: 1
        failureThreshold: 1
  volumes: [{name: probe, emptyDir: {}}]
"""
    up_cluster.kubectl("apply", "-f", "-", input=manifest)

    def restarted() -> bool:
        statuses = _pod(up_cluster, "unhealthy")["status"].get("containerStatuses") or []
        return bool(statuses) and statuses[0]["restartCount"] >= 1

    up_cluster.eventually("a restart after the liveness probe failed", restarted, 60)
    described = up_cluster.kubectl("describe", "pod", "unhealthy").stdout
    assert "Liveness probe failed" in described
    assert "Container app failed liveness probe, will be restarted" in described
    up_cluster.kubectl("delete", "pod", "unhealthy", "--wait=false")


def test_a_container_over_its_memory_limit_is_oom_killed(up_cluster: UpCluster) -> None:
    manifest = """
apiVersion: v1
kind: Pod
metadata: {name: hungry}
spec:
  restartPolicy: Never
  containers:
    - name: eat
      image: python:3-slim
      command: ["python3", "-c", "b = bytearray(256 * 1024 * 1024); import time; time.sleep(60)"]
      resources: {limits: {memory: 64Mi}}
"""
    up_cluster.kubectl("apply", "-f", "-", input=manifest)

    def finished() -> dict | None:
        statuses = _pod(up_cluster, "hungry")["status"].get("containerStatuses") or []
        state = statuses[0].get("state", {}) if statuses else {}
        running = state.get("running")
        if running is not None and "not enforced" in (statuses[0].get("message") or ""):
            return {"unenforced": statuses[0]["message"]}
        return state.get("terminated")

    terminated = up_cluster.eventually("the container terminated", finished, 60)
    if "unenforced" in terminated:
        pytest.skip(f"memory limits cannot be enforced here: {terminated['unenforced']}")
    assert terminated["reason"] == "OOMKilled", terminated
    assert terminated["exitCode"] == 137
    up_cluster.kubectl("delete", "pod", "hungry", "--wait=false")


def test_a_job_runs_to_completion(up_cluster: UpCluster) -> None:
    up_cluster.kubectl(
        "create", "job", "hello", "--image=busybox:1.36", "--", "sh", "-c", "echo done"
    )
    waited = up_cluster.kubectl(
        "wait", "--for=condition=complete", "job/hello", "--timeout=90s", seconds=100
    )
    assert waited.stdout.strip() == "job.batch/hello condition met"
    assert up_cluster.kubectl("logs", "job/hello").stdout == "done\n"


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if marker.encode() in command:
                found.append(int(entry.name))
    return found


def test_deleting_a_pod_stops_its_processes_within_the_grace_period(
    up_cluster: UpCluster,
) -> None:
    marker = "31337"
    manifest = f"""
apiVersion: v1
kind: Pod
metadata: {{name: sleeper}}
spec:
  terminationGracePeriodSeconds: 3
  containers:
    - name: main
      image: busybox:1.36
      command: ["sh", "-c", "trap '' TERM; sleep {marker} & sleep {marker}; wait"]
"""
    up_cluster.kubectl("apply", "-f", "-", input=manifest)
    up_cluster.eventually(
        "the pod's processes", lambda: len(_processes_with(f"sleep {marker}")) >= 2, 60
    )
    started = time.monotonic()
    up_cluster.kubectl("delete", "pod", "sleeper", "--timeout=60s", seconds=70)
    up_cluster.eventually("no process left", lambda: not _processes_with(f"sleep {marker}"), 30)
    # The shell ignores SIGTERM: the kubelet had to SIGKILL the group after the grace period.
    assert time.monotonic() - started < 30


def test_a_wrong_image_fails_to_pull_with_the_runtimes_reason(up_cluster: UpCluster) -> None:
    # Names that fail at once: the process runtime refuses the reserved .invalid TLD; a
    # registry on port 1 of localhost refuses containerd's connection.
    image = "microkube.invalid/nope:1" if up_cluster.runtime == "process" else "localhost:1/nope:1"
    up_cluster.kubectl("run", "wrong-image", f"--image={image}", "--", "sh", "-c", "true")

    def waiting() -> str:
        status = _pod(up_cluster, "wrong-image")["status"]
        state = (status.get("containerStatuses") or [{}])[0].get("state", {})
        return (state.get("waiting") or {}).get("reason", "")

    up_cluster.eventually(
        "ErrImagePull then ImagePullBackOff",
        lambda: waiting() in ("ErrImagePull", "ImagePullBackOff"),
        30,
    )
    described = up_cluster.kubectl("describe", "pod", "wrong-image").stdout
    assert f'Failed to pull image "{image}"' in described
    if up_cluster.runtime == "containerd":  # containerd's own words reach the user
        assert "connection refused" in described, described[-1500:]
    up_cluster.eventually("ImagePullBackOff", lambda: waiting() == "ImagePullBackOff", 30)
    up_cluster.kubectl("delete", "pod", "wrong-image", "--wait=false")


def _ready(cluster: UpCluster) -> tuple[str, str]:
    node = cluster.json("get", "nodes")["items"][0]
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    return ready["status"], ready.get("message", "")


def test_a_stopped_containerd_makes_the_node_not_ready_until_it_is_back(
    hello_web: UpCluster,
) -> None:
    if hello_web.containerd is None:
        pytest.skip("the process runtime is the kubelet itself: it has no daemon to stop")
    before = {p["metadata"]["name"] for p in hello_web.json("get", "pods")["items"]}
    hello_web.containerd.stop()
    try:
        _, message = hello_web.eventually(
            "the node NotReady", lambda: _ready(hello_web)[0] == "False" and _ready(hello_web)
        )
        assert "container runtime is down" in message and "containerd" in message, message
    finally:
        hello_web.containerd.restart()
    hello_web.eventually("the node Ready again", lambda: _ready(hello_web)[0] == "True")
    # The pods kept running in their shims and are adopted; new pods start again.
    pods = hello_web.json("get", "pods", "-l", "app=hello-web")["items"]
    assert {p["metadata"]["name"] for p in pods} <= before
    assert all(p["status"]["phase"] == "Running" for p in pods)
    hello_web.kubectl("run", "after-outage", "--image=busybox:1.36", "--", "sleep", "600")
    hello_web.eventually(
        "a new pod Running",
        lambda: _pod(hello_web, "after-outage")["status"].get("phase") == "Running",
    )
    hello_web.kubectl("delete", "pod", "after-outage", "--wait=false")
