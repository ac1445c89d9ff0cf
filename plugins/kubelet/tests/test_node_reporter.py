"""Node registration, heartbeats and conditions against the real API server."""

from __future__ import annotations

import asyncio


async def test_node_registers_with_capacity_labels_taints_and_conditions(kubelet_cluster, poll):
    cluster = await kubelet_cluster(
        node_labels={"disktype": "ssd"},
        register_with_taints=["dedicated=gpu:NoSchedule"],
        max_pods=42,
    )
    api = cluster.client()

    async def ready():
        try:
            node = await api.get("nodes", "node-1")
        except Exception:
            return None
        conditions = {c["type"]: c for c in (node.get("status") or {}).get("conditions") or []}
        return node if conditions.get("Ready", {}).get("status") == "True" else None

    node = await poll(ready, what="node-1 Ready")
    labels = node["metadata"]["labels"]
    assert labels["kubernetes.io/hostname"] == "node-1"
    assert labels["kubernetes.io/os"] == "linux"
    assert labels["kubernetes.io/arch"]
    assert labels["disktype"] == "ssd"
    assert node["spec"]["taints"] == [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    status = node["status"]
    assert status["capacity"]["pods"] == "42"
    assert int(status["capacity"]["cpu"]) >= 1
    assert status["capacity"]["memory"].endswith("Ki")
    assert "ephemeral-storage" in status["allocatable"]
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Ready"]["reason"] == "KubeletReady"
    assert conditions["Ready"]["message"] == "kubelet is posting ready status"
    assert conditions["MemoryPressure"]["reason"] in (
        "KubeletHasSufficientMemory",
        "KubeletHasInsufficientMemory",
    )
    assert conditions["DiskPressure"]["status"] in ("True", "False")
    assert conditions["PIDPressure"]["reason"] == "KubeletHasSufficientPID"
    info = status["nodeInfo"]
    assert info["kubeletVersion"].startswith("v1.32.")
    assert info["containerRuntimeVersion"] == "fake://0.1.0"
    assert info["operatingSystem"] == "linux"
    assert {"type": "InternalIP", "address": "127.0.0.1"} in status["addresses"]
    assert {"type": "Hostname", "address": "node-1"} in status["addresses"]
    (image,) = status["images"]
    assert any("busybox" in name for name in image["names"]) and image["sizeBytes"] > 0
    port = status["daemonEndpoints"]["kubeletEndpoint"]["Port"]
    assert port == cluster.components["kubelet"].server.port and port > 0

    table = await cluster.kubectl("get", "nodes")
    assert "node-1" in table.stdout and "Ready" in table.stdout


async def test_lease_is_renewed(kubelet_cluster, poll):
    cluster = await kubelet_cluster(node_lease_duration_seconds=4)
    api = cluster.client()

    async def lease():
        try:
            return await api.get("leases", "node-1", "kube-node-lease")
        except Exception:
            return None

    first = await poll(lease, what="the node lease")
    assert first["spec"]["holderIdentity"] == "node-1"
    assert first["spec"]["leaseDurationSeconds"] == 4

    async def renewed():
        again = await lease()
        return again if again and again["spec"]["renewTime"] != first["spec"]["renewTime"] else None

    again = await poll(renewed, what="a renewal")
    assert again["spec"]["renewTime"] > first["spec"]["renewTime"]


async def test_unchanged_node_status_is_not_posted_again(kubelet_cluster, poll):
    cluster = await kubelet_cluster(node_status_update_frequency=0.2)
    reporter = cluster.components["kubelet"].kubelet.reporter
    await poll(lambda: _true(reporter.posts >= 1), what="first status post")
    computed_before = reporter.posts
    # Several update periods pass; nothing changed, so nothing is posted (report period 5 min).
    await asyncio.sleep(1.5)
    assert reporter.posts == computed_before


async def _true(value: bool) -> bool:
    return value
