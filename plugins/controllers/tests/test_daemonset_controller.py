"""The DaemonSet controller against the real API server, with the test playing the
scheduler and the kubelets (binding pods to the node they are pinned to, reporting them
ready, finishing deletions)."""

from __future__ import annotations

import asyncio

from microkube_controllers.daemonset.controller import DaemonSetController
from microkube_controllers.daemonset.placement import target_node

from microkube.client import NotFoundError

NS = "default"


def daemon_set(name, *, image="busybox:1", strategy=None, **spec):
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "agent", "image": image}]},
            },
            **({"updateStrategy": strategy} if strategy else {}),
            **spec,
        },
    }


async def start(microkube_cluster, run_controllers, pod_player, nodes=("node-1", "node-2")):
    cluster = await microkube_cluster("apiserver")
    await run_controllers(cluster, DaemonSetController)
    client = cluster.client()
    player = pod_player(client)
    for name in nodes:
        await player.node(name)
    return cluster, client, player


async def poll(check, within=30.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"not met within {within} s")
        await asyncio.sleep(0.1)


async def ds_pods(client, name, *, live=True):
    found = await client.list("pods", NS, label_selector=f"app={name}")
    return [p for p in found["items"] if not (live and p["metadata"].get("deletionTimestamp"))]


async def placed(client, name):
    """``{node: pod}`` of the DaemonSet's live pods (None if some node has two)."""
    pods = await ds_pods(client, name)
    by_node = {}
    for pod in pods:
        node = target_node(pod)
        if node in by_node:
            return None
        by_node[node] = pod
    return by_node


async def play(client, player, name):
    """One round of scheduler and kubelet: bind and run pending pods, finish deletions."""
    for pod in await ds_pods(client, name, live=False):
        if pod["metadata"].get("deletionTimestamp"):
            continue
        if pod["status"].get("phase") != "Running":
            await player.run(pod, target_node(pod))
    await player.reap(NS)


async def test_daemon_pods_follow_nodes_added_and_removed(
    microkube_cluster, run_controllers, pod_player
):
    _, client, player = await start(microkube_cluster, run_controllers, pod_player)
    created = await client.create("daemonsets", daemon_set("agent"), NS)

    async def on(nodes):
        found = await placed(client, "agent")
        return found if found is not None and sorted(found) == nodes else None

    pods = await poll(lambda: on(["node-1", "node-2"]))
    for pod in pods.values():
        assert not pod["spec"].get("nodeName")  # the scheduler binds it, as upstream
        labels = pod["metadata"]["labels"]
        assert labels["pod-template-generation"] == "1"
        assert labels["controller-revision-hash"]
        owner = pod["metadata"]["ownerReferences"][0]
        assert (owner["kind"], owner["name"], owner["uid"]) == (
            "DaemonSet",
            "agent",
            created["metadata"]["uid"],
        )
        keys = {t["key"] for t in pod["spec"]["tolerations"]}
        assert "node.kubernetes.io/unreachable" in keys
        assert "node.kubernetes.io/unschedulable" in keys
    revisions = (await client.list("controllerrevisions", NS))["items"]
    assert [r["revision"] for r in revisions] == [1]
    assert revisions[0]["metadata"]["name"] == (
        f"agent-{pods['node-1']['metadata']['labels']['controller-revision-hash']}"
    )

    await player.node("node-3")
    await poll(lambda: on(["node-1", "node-2", "node-3"]))
    await client.delete("nodes", "node-2")
    await poll(lambda: on(["node-1", "node-3"]))

    async def status():
        current = await client.get("daemonsets", "agent", NS)
        got = current.get("status") or {}
        return (
            got
            if got.get("desiredNumberScheduled") == 2 and got.get("currentNumberScheduled") == 2
            else None
        )

    got = await poll(status)
    assert got["numberMisscheduled"] == 0
    assert got["observedGeneration"] == 1
    assert got["updatedNumberScheduled"] == 2


async def test_taints_tolerations_and_node_selector(microkube_cluster, run_controllers, pod_player):
    _, client, player = await start(microkube_cluster, run_controllers, pod_player, nodes=())
    await player.node("plain")
    await player.node("gpu", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
    await player.node(
        "cordoned", taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
    )
    await player.node("other", labels={"role": "db"})
    body = daemon_set("sel")
    body["spec"]["template"]["spec"]["affinity"] = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "role", "operator": "DoesNotExist"}]}
                ]
            }
        }
    }
    await client.create("daemonsets", body, NS)

    async def on(nodes):
        found = await placed(client, "sel")
        return found if found is not None and sorted(found) == nodes else None

    # not on the tainted node, not on the one the affinity excludes; cordoned is tolerated
    await poll(lambda: on(["cordoned", "plain"]))
    await client.patch(
        "daemonsets",
        "sel",
        {
            "spec": {
                "template": {"spec": {"tolerations": [{"key": "dedicated", "operator": "Exists"}]}}
            }
        },
        NS,
    )
    # the new template tolerates the taint: a pod lands on the gpu node too
    pods = await poll(lambda: on(["cordoned", "gpu", "plain"]))
    assert pods["gpu"]["metadata"]["labels"]["pod-template-generation"] == "2"
    # a NoExecute taint not tolerated evicts the daemon pod from its node
    await client.patch(
        "nodes",
        "plain",
        {"spec": {"taints": [{"key": "maintenance", "effect": "NoExecute"}]}},
    )
    await poll(lambda: _without(client, "sel", "plain"))

    async def misscheduled():
        current = await client.get("daemonsets", "sel", NS)
        return (current.get("status") or {}).get("desiredNumberScheduled") == 2

    await poll(misscheduled)


async def _without(client, name, node):
    found = await placed(client, name)
    return found is not None and node not in found and len(found) >= 1


async def test_rolling_update_with_kubectl_rollout_status(
    microkube_cluster, run_controllers, pod_player
):
    cluster, client, player = await start(
        microkube_cluster, run_controllers, pod_player, nodes=("node-1", "node-2", "node-3")
    )
    await client.create(
        "daemonsets",
        daemon_set(
            "roll", strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
        ),
        NS,
    )

    async def settled(generation):
        await play(client, player, "roll")
        current = await client.get("daemonsets", "roll", NS)
        status = current.get("status") or {}
        return (
            status.get("observedGeneration") == generation
            and status.get("numberAvailable") == 3
            and status.get("updatedNumberScheduled") == 3
        )

    await poll(lambda: settled(1))
    done = await cluster.kubectl("rollout", "status", "ds/roll", "--timeout=30s", seconds=60)
    assert 'daemon set "roll" successfully rolled out' in done.stdout

    await client.patch(
        "daemonsets",
        "roll",
        {"spec": {"template": {"spec": {"containers": [{"name": "agent", "image": "busybox:2"}]}}}},
        NS,
        patch_type="strategic",
    )
    rollout = asyncio.create_task(
        cluster.kubectl("rollout", "status", "ds/roll", "--timeout=60s", seconds=90)
    )
    most_unavailable = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while not rollout.done():
        assert loop.time() < deadline, "the rollout did not finish"
        pods = await ds_pods(client, "roll")
        ready_nodes = {
            target_node(p)
            for p in pods
            if any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in p["status"].get("conditions") or ()
            )
        }
        most_unavailable = max(most_unavailable, 3 - len(ready_nodes))
        await play(client, player, "roll")
        await asyncio.sleep(0.1)
    result = await rollout
    assert 'daemon set "roll" successfully rolled out' in result.stdout
    assert most_unavailable <= 1  # maxUnavailable: 1
    pods = await ds_pods(client, "roll")
    assert len(pods) == 3
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"busybox:2"}
    assert {p["metadata"]["labels"]["pod-template-generation"] for p in pods} == {"2"}
    revisions = (await client.list("controllerrevisions", NS))["items"]
    assert sorted(r["revision"] for r in revisions) == [1, 2]
    history = await cluster.kubectl("rollout", "history", "ds/roll")
    assert "1" in history.stdout and "2" in history.stdout

    # back to revision 1: its template returns as revision 3
    undone = await cluster.kubectl("rollout", "undo", "ds/roll", "--to-revision=1")
    assert "rolled back" in undone.stdout

    async def back():
        await play(client, player, "roll")
        pods = await ds_pods(client, "roll")
        images = {p["spec"]["containers"][0]["image"] for p in pods}
        return len(pods) == 3 and images == {"busybox:1"}

    await poll(back, within=60)
    revisions = (await client.list("controllerrevisions", NS))["items"]
    assert sorted(r["revision"] for r in revisions) == [2, 3]


async def test_surge_update_starts_the_new_pod_before_removing_the_old(
    microkube_cluster, run_controllers, pod_player
):
    _, client, player = await start(microkube_cluster, run_controllers, pod_player, nodes=("n1",))
    await client.create(
        "daemonsets",
        daemon_set(
            "surge",
            strategy={
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
            },
        ),
        NS,
    )

    async def running(count):
        await play(client, player, "surge")
        pods = await ds_pods(client, "surge")
        return (
            pods
            if len(pods) == count and all(p["status"].get("phase") == "Running" for p in pods)
            else None
        )

    (old,) = await poll(lambda: running(1))
    await client.patch(
        "daemonsets",
        "surge",
        {"spec": {"template": {"metadata": {"labels": {"app": "surge", "v": "2"}}}}},
        NS,
    )
    # both pods on the node at once: the old one stays until the new one is available
    both = await poll(lambda: _two_on_node(client))
    assert old["metadata"]["name"] in {p["metadata"]["name"] for p in both}
    await poll(lambda: _only_new(client, player, old["metadata"]["name"]))


async def _two_on_node(client):
    pods = await ds_pods(client, "surge")
    return pods if len(pods) == 2 else None


async def _only_new(client, player, old_name):
    await play(client, player, "surge")
    pods = await ds_pods(client, "surge")
    return len(pods) == 1 and pods[0]["metadata"]["name"] != old_name


async def test_on_delete_replaces_pods_only_when_deleted(
    microkube_cluster, run_controllers, pod_player
):
    _, client, player = await start(microkube_cluster, run_controllers, pod_player)
    await client.create("daemonsets", daemon_set("manual", strategy={"type": "OnDelete"}), NS)

    async def two():
        await play(client, player, "manual")
        pods = await ds_pods(client, "manual")
        return pods if len(pods) == 2 else None

    before = await poll(two)
    old_hash = before[0]["metadata"]["labels"]["controller-revision-hash"]
    await client.patch(
        "daemonsets",
        "manual",
        {"spec": {"template": {"metadata": {"labels": {"app": "manual", "v": "2"}}}}},
        NS,
    )

    async def observed():
        current = await client.get("daemonsets", "manual", NS)
        status = current.get("status") or {}
        return status.get("observedGeneration") == 2 and status.get("updatedNumberScheduled") == 0

    await poll(observed)
    assert {
        p["metadata"]["labels"]["controller-revision-hash"] for p in await ds_pods(client, "manual")
    } == {old_hash}
    victim = before[0]
    await client.delete("pods", victim["metadata"]["name"], NS)

    async def replaced():
        await play(client, player, "manual")
        pods = await ds_pods(client, "manual")
        hashes = sorted(p["metadata"]["labels"]["controller-revision-hash"] for p in pods)
        return len(pods) == 2 and len(set(hashes)) == 2

    await poll(replaced)


async def test_orphan_pod_matching_the_selector_is_adopted(
    microkube_cluster, run_controllers, pod_player
):
    _, client, player = await start(microkube_cluster, run_controllers, pod_player)
    orphan = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "stray", "labels": {"app": "adopt"}},
        "spec": {"nodeName": "node-1", "containers": [{"name": "agent", "image": "busybox:1"}]},
    }
    await client.create("pods", orphan, NS)
    created = await client.create("daemonsets", daemon_set("adopt"), NS)

    async def settled():
        await play(client, player, "adopt")
        found = await placed(client, "adopt")
        return found if found is not None and sorted(found) == ["node-1", "node-2"] else None

    async def adopted():
        try:
            stray = await client.get("pods", "stray", NS)
        except NotFoundError:
            return None  # adopted, then replaced by the rolling update as an old pod
        refs = stray["metadata"].get("ownerReferences") or []
        return refs or None

    refs = await poll(adopted)
    assert (refs[0]["kind"], refs[0]["uid"], refs[0]["controller"]) == (
        "DaemonSet",
        created["metadata"]["uid"],
        True,
    )
    await poll(settled)
