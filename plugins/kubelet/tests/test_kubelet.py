"""The kubelet as a whole: API server outages, restarts that adopt running pods, orphans,
and the pod directory its HTTPS server reads."""

from __future__ import annotations

import asyncio

import pytest
from microkube_kubelet.server.directory import PodDirectory

from microkube.contracts.runtime import ContainerState


def _phase_is(api, name, phase):  # type: ignore[no-untyped-def]
    async def check():  # type: ignore[no-untyped-def]
        pod = await api.get("pods", name, "default")
        return pod if (pod.get("status") or {}).get("phase") == phase else None

    return check


async def test_pods_keep_running_through_an_api_server_outage_and_status_catches_up(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance, free_port
):
    cluster = await kubelet_cluster(storage="sqlite", apiserver_port=free_port)
    api = cluster.client()
    await api.create("pods", pod_manifest("steady", {"name": "c", "image": "busybox"}))
    await poll(_phase_is(api, "steady", "Running"), what="Running")
    (container,) = await fake_runtime_instance.list_containers()
    fake_runtime_instance.recorder.reset()

    await cluster.stop_component("apiserver")
    # A 60 s outage (the bar): status writes, lease renewals and watches fail
    # meanwhile, and half-way through the container crashes.
    await asyncio.sleep(30.0)
    fake_runtime_instance.exit_container(container.id, 2)
    await asyncio.sleep(30.0)
    assert not fake_runtime_instance.calls_to("stop_container")
    assert not fake_runtime_instance.calls_to("remove_pod_sandbox")
    running = [
        c
        for c in await fake_runtime_instance.list_containers()
        if c.state is ContainerState.RUNNING
    ]
    assert len(running) == 1 and running[0].attempt == 1  # restarted without the API server

    await cluster.start_component("apiserver")

    async def caught_up():  # type: ignore[no-untyped-def]
        try:
            pod = await api.get("pods", "steady", "default")
        except Exception:
            return None
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        return pod if statuses and statuses[0]["restartCount"] == 1 else None

    pod = await poll(caught_up, what="status after the outage")
    assert pod["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] == 2
    assert pod["status"]["phase"] == "Running"


async def test_restarted_kubelet_adopts_running_containers(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    await api.create("pods", pod_manifest("kept", {"name": "c", "image": "busybox"}))
    await poll(_phase_is(api, "kept", "Running"), what="Running")
    before = await fake_runtime_instance.list_containers()
    await cluster.stop_component("kubelet")
    fake_runtime_instance.recorder.reset()
    await cluster.start_component("kubelet")
    await asyncio.sleep(1.5)
    assert not fake_runtime_instance.calls_to("create_container")
    assert not fake_runtime_instance.calls_to("run_pod_sandbox")
    assert not fake_runtime_instance.calls_to("stop_container")
    assert [c.id for c in await fake_runtime_instance.list_containers()] == [c.id for c in before]
    pod = await api.get("pods", "kept", "default")
    assert pod["status"]["containerStatuses"][0]["restartCount"] == 0
    # The adopted pod is still managed: deleting it stops and removes it.
    await api.delete("pods", "kept", "default")

    async def cleaned():  # type: ignore[no-untyped-def]
        return fake_runtime_instance.sandbox_ids() == []

    await poll(cleaned, what="the adopted pod removed")


async def test_pod_force_deleted_while_kubelet_was_down_is_removed_as_orphan(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    await api.create("pods", pod_manifest("orphan", {"name": "c", "image": "busybox"}))
    await poll(_phase_is(api, "orphan", "Running"), what="Running")
    await cluster.stop_component("kubelet")
    await api.delete("pods", "orphan", "default", grace_period_seconds=0)
    await cluster.start_component("kubelet")

    async def cleaned():  # type: ignore[no-untyped-def]
        return (
            fake_runtime_instance.sandbox_ids() == []
            and fake_runtime_instance.container_ids() == []
        )

    await poll(cleaned, what="orphaned sandbox removed")


async def test_pod_directory_finds_pods_and_previous_attempts(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    created = await api.create("pods", pod_manifest("dir", {"name": "c", "image": "busybox"}))
    await poll(_phase_is(api, "dir", "Running"), what="Running")
    kubelet = cluster.components["kubelet"].kubelet
    assert isinstance(kubelet, PodDirectory)
    ref = kubelet.find_pod("default", "dir")
    assert ref is not None and ref.uid == created["metadata"]["uid"]
    first = kubelet.find_container("default", "dir", "c")
    assert first is not None and first.running
    assert str(first.log_path).endswith(f"/pods/{ref.uid}/c/0.log")
    assert kubelet.find_container("default", "dir", "c", previous=True) is None
    fake_runtime_instance.exit_container(first.container_id, 1)

    async def second():  # type: ignore[no-untyped-def]
        found = kubelet.find_container("default", "dir", "c")
        return (
            found
            if found is not None and found.container_id != first.container_id and found.running
            else None
        )

    now = await poll(second, what="the restarted container")
    assert str(now.log_path).endswith("/c/1.log")
    previous = kubelet.find_container("default", "dir", "c", previous=True)
    assert previous is not None and previous.container_id == first.container_id
    assert [p.name for p in kubelet.pods()] == ["dir"]
    assert kubelet.find_pod("default", "other") is None


async def test_official_python_client_reads_kubelet_written_pods_and_nodes(
    kubelet_cluster, pod_manifest, poll
):
    kubernetes = pytest.importorskip("kubernetes")
    cluster = await kubelet_cluster()
    api = cluster.client()
    container = {"name": "c", "image": "busybox", "command": ["false"]}
    pod = pod_manifest(
        "py", container, initContainers=[{"name": "i", "image": "busybox", "command": ["true"]}]
    )
    await api.create("pods", pod)

    async def restarted():  # type: ignore[no-untyped-def]
        got = await api.get("pods", "py", "default")
        statuses = (got.get("status") or {}).get("containerStatuses") or []
        return statuses and statuses[0]["restartCount"] >= 1 and statuses[0]["lastState"]

    await poll(restarted, what="a restarted container with lastState")

    def read() -> tuple[object, object]:
        client = kubernetes.config.new_client_from_config(str(cluster.kubeconfig))
        core = kubernetes.client.CoreV1Api(client)
        return core.read_namespaced_pod("py", "default"), core.list_node()

    pod_obj, nodes = await asyncio.to_thread(read)
    assert pod_obj.status.container_statuses[0].restart_count >= 1
    assert pod_obj.status.init_container_statuses[0].state.terminated.reason == "Completed"
    assert nodes.items[0].status.node_info.kubelet_version.startswith("v1.32.")


async def test_container_logs_are_rotated(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance
):
    cluster = await kubelet_cluster(
        container_log_max_size="1Ki", container_log_max_files=2, container_log_monitor_interval=0.2
    )
    api = cluster.client()
    await api.create("pods", pod_manifest("chatty", {"name": "c", "image": "busybox"}))
    await poll(_phase_is(api, "chatty", "Running"), what="Running")
    kubelet = cluster.components["kubelet"].kubelet
    ref = kubelet.find_container("default", "chatty", "c")
    for _ in range(3):
        fake_runtime_instance.write_log(ref.container_id, b"x" * 2000)

        async def rotated():  # type: ignore[no-untyped-def]
            return ref.log_path.stat().st_size == 0

        await poll(rotated, what="the log rotated")
    rotated_copies = sorted(ref.log_path.parent.glob("0.log.*"))
    assert len(rotated_copies) == 1  # max 2 files: the live one and one rotated copy
