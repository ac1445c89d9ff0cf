"""Failover of the controller manager mid-rollout: two ``microkube controller-manager``
processes, the leader killed with SIGKILL while a 50-replica Deployment rolls out. The standby
takes over within the lease duration and finishes the rollout with exactly 50 pods, never
running more than ``replicas + maxSurge`` at any time."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from microkube.client.informer import Informer

LEASE = 4  # seconds; renew deadline 3, retry period 1
REPLICAS = 50
MAX_SURGE = 13  # 25% of 50, rounded up
MICROKUBE = str(Path(sys.executable).with_name("microkube"))


def start_manager(cluster, tmp_path, name):
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed by the test
    process = subprocess.Popen(
        [
            MICROKUBE,
            "controller-manager",
            "--data-dir",
            str(tmp_path / name),
            "--kubeconfig",
            str(cluster.kubeconfig),
            "--controllers",
            "replicaset,deployment",
            "--leader-elect-lease-duration",
            str(LEASE),
            "--leader-elect-renew-deadline",
            "3",
            "--leader-elect-retry-period",
            "1",
            "--verbose",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        # Only this distribution's plugins: the manager under test and its workload controllers.
        env={**os.environ, "MICROKUBE_LOAD_PLUGINS": "controller-manager,workloads"},
    )
    return process, log


def standby_log_text(tmp_path):
    return (tmp_path / "b.log").read_text()


class ActivePods:
    """Counts the pods not being deleted, from a watch, remembering the most ever seen."""

    def __init__(self, api):
        self.informer = Informer(api, "pods", namespace="default", label_selector="app=web")
        self.active: set[str] = set()
        self.most = 0
        self.informer.add_event_handler(
            on_add=self._seen, on_update=lambda old, new: self._seen(new), on_delete=self._gone
        )

    def _seen(self, pod):
        name = pod["metadata"]["name"]
        if pod["metadata"].get("deletionTimestamp"):
            self.active.discard(name)
        else:
            self.active.add(name)
        self.most = max(self.most, len(self.active))

    def _gone(self, pod):
        meta = getattr(pod, "obj", pod)["metadata"]
        self.active.discard(meta["name"])


DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {
        "replicas": REPLICAS,
        "minReadySeconds": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
        },
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "busybox:1"}]},
        },
    },
}


async def test_sigkill_leader_mid_rollout(microkube_cluster, hollow_kubelets, poll_until, tmp_path):
    cluster = await microkube_cluster("apiserver")
    api = cluster.client()
    await hollow_kubelets(cluster.client(), [f"hollow-{i}" for i in range(5)], workers=8)
    watcher = ActivePods(cluster.client())
    watcher.informer.start()
    managers = []
    try:
        leader, leader_log = start_manager(cluster, tmp_path, "a")
        managers.append((leader, leader_log))

        async def holder():
            try:
                lease = await api.get("leases", "kube-controller-manager", "kube-system")
            except Exception:
                return None
            return lease["spec"].get("holderIdentity")

        leader_identity = await poll_until(holder, within=60)
        standby, standby_log = start_manager(cluster, tmp_path, "b")
        managers.append((standby, standby_log))

        def standby_watching():
            return "the leader is now" in (tmp_path / "b.log").read_text()

        async def standby_up():
            return standby_watching()

        await poll_until(standby_up, within=60)

        await cluster.kubectl("apply", "-f", "-", input=json.dumps(DEPLOYMENT))
        result = await cluster.kubectl(
            "rollout", "status", "deployment/web", "--timeout=120s", check=False, seconds=150
        )
        assert result.returncode == 0, result.stderr

        await cluster.kubectl("set", "image", "deployment/web", "web=busybox:2")

        async def mid_rollout():
            items = (await api.list("replicasets", "default"))["items"]
            new = [
                rs
                for rs in items
                if rs["spec"]["template"]["spec"]["containers"][0]["image"] == "busybox:2"
            ]
            return new and 0 < (new[0].get("status") or {}).get("availableReplicas", 0) < REPLICAS

        await poll_until(mid_rollout, within=60, every=0.05)
        os.kill(leader.pid, signal.SIGKILL)
        leader.wait(10)
        loop = asyncio.get_running_loop()
        killed_at = loop.time()

        async def taken_over():
            current = await holder()
            return current and current != leader_identity

        await poll_until(taken_over, within=30, every=0.1)
        takeover = loop.time() - killed_at
        # The standby waits for the lease to expire by its own clock: lease duration plus at
        # most a retry period or two (generous bound against a loaded machine).
        assert takeover < LEASE * 4, f"takeover took {takeover:.1f} s"

        result = await cluster.kubectl(
            "rollout", "status", "deployment/web", "--timeout=120s", check=False, seconds=150
        )
        assert result.returncode == 0, result.stderr
        assert 'deployment "web" successfully rolled out' in result.stdout

        async def exactly_fifty_new():
            pods = (await api.list("pods", "default", label_selector="app=web"))["items"]
            images = {p["spec"]["containers"][0]["image"] for p in pods}
            return len(pods) == REPLICAS and images == {"busybox:2"}

        await poll_until(exactly_fifty_new, within=60)
        await watcher.informer.wait_for_handlers()
        assert len(watcher.active) == REPLICAS
        assert watcher.most <= REPLICAS + MAX_SURGE, f"{watcher.most} pods ran at once"
        assert standby.poll() is None, "the standby must still run"
        assert "started controllers: deployment, replicaset" in standby_log_text(tmp_path)
        print(f"takeover {takeover:.1f} s, at most {watcher.most} pods at once")
    finally:
        for process, log in managers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
            log.close()
        await watcher.informer.stop()
