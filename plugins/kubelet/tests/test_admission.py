"""Pod admission: pods that do not fit the node are rejected, not run."""

from __future__ import annotations

import pytest
from microkube_kubelet.admission import admit, pod_requests

ALLOCATABLE = {"cpu": "2", "memory": "1Gi", "pods": "3"}


def _pod(cpu: str | None = None, memory: str | None = None, **spec) -> dict:  # type: ignore[no-untyped-def, type-arg]
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    return {"spec": {"containers": [{"name": "c", "resources": {"requests": requests}}], **spec}}


def test_requests_take_the_larger_of_apps_and_init_containers():
    pod = _pod("500m", "100Mi")
    pod["spec"]["initContainers"] = [
        {"name": "i", "resources": {"requests": {"cpu": "1500m"}}},
        {"name": "side", "restartPolicy": "Always", "resources": {"requests": {"memory": "50Mi"}}},
    ]
    assert pod_requests(pod) == (1500, 150 * 1024 * 1024)


def test_fits_then_out_of_cpu_memory_and_pods():
    assert admit(_pod("1"), [_pod("500m")], ALLOCATABLE) is None
    cpu = admit(_pod("2"), [_pod("500m")], ALLOCATABLE)
    assert cpu is not None and cpu.reason == "OutOfcpu"
    assert cpu.message == (
        "Pod was rejected: Node didn't have enough resource: cpu, requested: 2000, used: 500, "
        "capacity: 2000"
    )
    memory = admit(_pod(memory="2Gi"), [], ALLOCATABLE)
    assert memory is not None and memory.reason == "OutOfmemory"
    pods = admit(_pod(), [_pod(), _pod(), _pod()], ALLOCATABLE)
    assert pods is not None and pods.reason == "OutOfpods"


@pytest.mark.asyncio
async def test_kubelet_rejects_a_pod_beyond_max_pods(kubelet_cluster, pod_manifest, poll):
    cluster = await kubelet_cluster(max_pods=1)
    api = cluster.client()
    await api.create("pods", pod_manifest("first", {"name": "c", "image": "busybox"}))

    async def running():  # type: ignore[no-untyped-def]
        pod = await api.get("pods", "first", "default")
        return (pod.get("status") or {}).get("phase") == "Running"

    await poll(running, what="the first pod Running")
    await api.create("pods", pod_manifest("second", {"name": "c", "image": "busybox"}))

    async def rejected():  # type: ignore[no-untyped-def]
        pod = await api.get("pods", "second", "default")
        return pod if (pod.get("status") or {}).get("phase") == "Failed" else None

    pod = await poll(rejected, what="the second pod rejected")
    assert pod["status"]["reason"] == "OutOfpods"
    assert pod["status"]["message"].startswith(
        "Pod was rejected: Node didn't have enough resource: pods"
    )
    kubelet = cluster.components["kubelet"].kubelet
    assert pod["metadata"]["uid"] not in kubelet.workers
