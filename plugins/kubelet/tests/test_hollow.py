"""Hollow nodes: many kubelets in one process over the hollow runtime."""

from __future__ import annotations

import pytest
from microkube_kubelet.hollow import HollowNodes, hollow_pod_cidr

from microkube.plugins import load_plugins


def test_each_hollow_node_gets_its_own_pod_range():
    assert hollow_pod_cidr(0) == "10.128.0.0/24"
    assert hollow_pod_cidr(257) == "10.129.1.0/24"
    with pytest.raises(ValueError, match="at most"):
        hollow_pod_cidr(1 << 15)


async def test_fifty_hollow_nodes_register_ready_and_run_pods(microkube_cluster, poll, tmp_path):
    cluster = await microkube_cluster("apiserver")
    api = cluster.client(max_idle=32)
    nodes = HollowNodes(
        api,
        load_plugins(None),
        cluster.config,
        count=50,
        data_dir=tmp_path,
        options={"node_status_update_frequency": 2.0},
    )
    try:
        await nodes.start()

        async def all_ready():  # type: ignore[no-untyped-def]
            items = (await api.list("nodes"))["items"]
            ready = [
                n
                for n in items
                if any(
                    c["type"] == "Ready" and c["status"] == "True"
                    for c in (n.get("status") or {}).get("conditions") or []
                )
            ]
            return ready if len(ready) == 50 else None

        ready = await poll(all_ready, within=60, what="50 hollow nodes Ready")
        assert {n["metadata"]["name"] for n in ready} == {f"hollow-node-{i}" for i in range(50)}

        async def leases():  # type: ignore[no-untyped-def]
            return len((await api.list("leases", "kube-node-lease"))["items"]) == 50

        await poll(leases, within=60, what="50 node leases (renewals are jittered)")
        pod = {
            "metadata": {"name": "on-hollow", "namespace": "default"},
            "spec": {
                "nodeName": "hollow-node-7",
                "containers": [{"name": "c", "image": "busybox"}],
            },
        }
        await api.create("pods", pod)

        async def running():  # type: ignore[no-untyped-def]
            got = await api.get("pods", "on-hollow", "default")
            return got if (got.get("status") or {}).get("phase") == "Running" else None

        got = await poll(running, what="a pod Running on a hollow node")
        assert got["status"]["podIP"].startswith("10.128.7.")
        assert got["status"]["containerStatuses"][0]["containerID"].startswith(
            "microkube-hollow://"
        )
    finally:
        await nodes.stop()
