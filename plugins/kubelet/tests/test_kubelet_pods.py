"""The kubelet with the real API server and the fake runtime: pods run, restart and stop."""

from __future__ import annotations


async def test_pod_runs_and_reports_running_ready(kubelet_cluster, pod_manifest, poll):
    cluster = await kubelet_cluster()
    api = cluster.client()
    await api.create("pods", pod_manifest("web", {"name": "web", "image": "busybox"}))

    async def running():
        pod = await api.get("pods", "web", "default")
        status = pod.get("status") or {}
        ready = {c["type"]: c["status"] for c in status.get("conditions") or []}
        return pod if status.get("phase") == "Running" and ready.get("Ready") == "True" else None

    pod = await poll(running, what="pod Running and Ready")
    status = pod["status"]
    (container,) = status["containerStatuses"]
    assert container["ready"] is True and container["started"] is True
    assert container["restartCount"] == 0
    assert container["containerID"].startswith("fake://")
    assert container["imageID"]
    assert "running" in container["state"]
    assert status["podIP"].startswith("10.88.")
    assert status["hostIP"] == "127.0.0.1"
    types = {c["type"] for c in status["conditions"]}
    assert {
        "PodScheduled",
        "Initialized",
        "ContainersReady",
        "Ready",
        "PodReadyToStartContainers",
    } <= types


async def test_sandbox_gets_labels_log_directory_and_cluster_dns(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance
):
    cluster = await kubelet_cluster(cluster_dns=["10.96.0.10"])
    api = cluster.client()
    created = await api.create("pods", pod_manifest("dns", {"name": "c", "image": "busybox"}))

    async def sandboxed():  # type: ignore[no-untyped-def]
        calls = fake_runtime_instance.calls_to("run_pod_sandbox")
        return calls[0].args[0] if calls else None

    config = await poll(sandboxed, what="the sandbox")
    uid = created["metadata"]["uid"]
    assert config.labels["io.kubernetes.pod.uid"] == uid
    assert config.labels["io.kubernetes.pod.name"] == "dns"
    assert config.log_directory.endswith(f"/kubelet/pods/{uid}")
    assert config.dns.servers == ("10.96.0.10",)
    assert config.dns.searches[0] == "default.svc.cluster.local"
