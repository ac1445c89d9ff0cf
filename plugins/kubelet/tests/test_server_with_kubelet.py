"""The server inside the real kubelet component: found through the Node's
``daemonEndpoints``, reading the pods the kubelet runs (its PodDirectory)."""

from __future__ import annotations

import json

import aiohttp


async def test_kubelet_serves_logs_exec_and_stats_of_its_pods(
    kubelet_cluster, fake_runtime_instance, pod_manifest, poll
) -> None:
    cluster = await kubelet_cluster()
    api = cluster.client()
    pod = pod_manifest("talker", {"name": "main", "image": "busybox", "command": ["sleep", "600"]})
    await api.create("pods", pod, "default")

    async def running():
        current = await api.get("pods", "talker", "default")
        return current if current.get("status", {}).get("phase") == "Running" else None

    created = await poll(running, what="the pod to run")
    node = await api.get("nodes", "node-1")
    port = node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"]
    assert port > 0
    addresses = {a["type"]: a["address"] for a in node["status"]["addresses"]}
    host = addresses.get("InternalIP", "127.0.0.1")
    [container_id] = fake_runtime_instance.container_ids()
    fake_runtime_instance.write_log(container_id, b"hello from the pod\n")

    base = f"https://{host}:{port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/containerLogs/default/talker/main", ssl=False) as response:
            assert (response.status, await response.text()) == (200, "hello from the pod\n")
        async with http.get(f"{base}/stats/summary", ssl=False) as response:
            summary = await response.json()
        [pod_stats] = [p for p in summary["pods"] if p["podRef"]["name"] == "talker"]
        assert pod_stats["podRef"]["uid"] == created["metadata"]["uid"]
        assert [c["name"] for c in pod_stats["containers"]] == ["main"]
        exec_url = f"{base}/exec/default/talker/main?command=hostname&output=1&error=1"
        async with http.ws_connect(exec_url, protocols=["v5.channel.k8s.io"], ssl=False) as ws:
            got: dict[int, bytes] = {}
            async for message in ws:
                got[message.data[0]] = got.get(message.data[0], b"") + message.data[1:]
    assert got[1] == b"talker\n"
    assert json.loads(got[3])["status"] == "Success"
