"""The pod garbage collector against a real API server."""

from __future__ import annotations

from microkube_controllers.lifecycle.podgc.selection import (
    missing_nodes,
    terminated_over_threshold,
    terminating_out_of_service,
    unscheduled_terminating,
)

from microkube.client.errors import NotFoundError

NS = "default"
OPTIONS = {
    "terminated-pod-gc-threshold": 3,
    "podgc-period": "200ms",
    "podgc-orphan-quarantine": "500ms",
}


def _pod(name, phase="Running", created="2024-01-01T00:00:00Z", **extra):
    pod = {
        "metadata": {"name": name, "creationTimestamp": created},
        "spec": {"nodeName": extra.pop("node", "")},
        "status": {"phase": phase, **extra.pop("status", {})},
    }
    pod["metadata"].update(extra)
    return pod


def test_terminated_pods_over_the_threshold_go_evicted_first_then_oldest():
    pods = [
        _pod("old", "Succeeded", "2024-01-01T00:00:00Z"),
        _pod("new", "Failed", "2024-01-03T00:00:00Z"),
        _pod("evicted", "Failed", "2024-01-04T00:00:00Z", status={"reason": "Evicted"}),
        _pod("mid", "Succeeded", "2024-01-02T00:00:00Z"),
        _pod("running"),
    ]
    assert [p["metadata"]["name"] for p in terminated_over_threshold(pods, 2)] == [
        "evicted",
        "old",
    ]
    assert terminated_over_threshold(pods, 4) == []
    assert terminated_over_threshold(pods, 0) == []


def test_pods_on_missing_or_out_of_service_nodes_and_unscheduled_terminating_pods():
    bound = _pod("a", node="gone")
    assert missing_nodes([bound, _pod("b", node="here")], {"here": {}}) == {"gone"}
    terminating = _pod("t", node="down", deletionTimestamp="2024-01-01T00:00:00Z")
    down = {
        "spec": {"taints": [{"key": "node.kubernetes.io/out-of-service", "effect": "NoExecute"}]},
        "status": {"conditions": [{"type": "Ready", "status": "False"}]},
    }
    assert terminating_out_of_service([terminating], {"down": down}) == [terminating]
    assert terminating_out_of_service([terminating], {"down": {"spec": {}}}) == []
    never = _pod("n", deletionTimestamp="2024-01-01T00:00:00Z")
    assert unscheduled_terminating([never, terminating]) == [never]


async def _absent(client, name):
    try:
        await client.get("pods", name, NS)
    except NotFoundError:
        return True
    return False


async def test_terminated_pods_over_the_threshold_are_deleted(lifecycle_controllers, poll_until):
    cluster, client = await lifecycle_controllers("podgc", options=OPTIONS)
    spec = {"containers": [{"name": "c", "image": "busybox"}]}
    for i in range(5):
        await client.create("pods", {"metadata": {"name": f"done-{i}"}, "spec": spec}, NS)
    for i in range(5):
        status = {"phase": "Succeeded" if i % 2 else "Failed"}
        if i == 4:
            status["reason"] = "Evicted"
        await client.patch_status("pods", f"done-{i}", {"status": status}, NS)
    await client.create("pods", {"metadata": {"name": "live"}, "spec": spec}, NS)

    async def collected():
        result = await cluster.kubectl("get", "pods", "-n", NS, "-o", "name")
        return set(result.stdout.split()) == {
            "pod/done-1",
            "pod/done-2",
            "pod/done-3",
            "pod/live",
        }

    await poll_until(collected)


async def test_pods_of_a_node_that_no_longer_exists_are_deleted(lifecycle_controllers, poll_until):
    _cluster, client = await lifecycle_controllers("podgc", options=OPTIONS)
    spec = {"containers": [{"name": "c", "image": "busybox"}]}
    await client.create("nodes", {"metadata": {"name": "present"}})
    for name, node in (("stranded", "vanished"), ("housed", "present")):
        await client.create("pods", {"metadata": {"name": name}, "spec": spec}, NS)
        await client.bind(name, node, NS)
    await poll_until(lambda: _absent(client, "stranded"))
    assert not await _absent(client, "housed")
