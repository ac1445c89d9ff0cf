"""InterPodAffinity end to end: anti-affinity spreads replicas, affinity co-locates."""

from __future__ import annotations

from helpers import create, node, pod, wait_bound, wait_pending_message


def _anti(app: str, key: str = "kubernetes.io/hostname") -> dict:
    term = {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": key}
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}


async def test_required_anti_affinity_spreads_replicas_one_per_node(cluster):
    await create(cluster, *(node(f"node-{i}") for i in range(3)))
    replicas = [pod(f"web-{i}", labels={"app": "web"}, affinity=_anti("web")) for i in range(4)]
    await create(cluster, *replicas)
    placed = {}
    for i in range(4):
        name = f"web-{i}"
        result = await cluster.kubectl("get", "pod", name, "-o", "jsonpath={.spec.nodeName}")
        placed[name] = result.stdout.strip()
    bound = [await wait_bound(cluster, f"web-{i}") for i in range(3)]
    assert sorted(bound) == ["node-0", "node-1", "node-2"]
    message = await wait_pending_message(cluster, "web-3")
    assert message == (
        "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. "
        "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.."
    )


async def test_existing_pods_anti_affinity_keeps_matching_pods_away(cluster):
    await create(cluster, node("node-a"), node("node-b"))
    await create(cluster, pod("loner", labels={"app": "loner"}, affinity=_anti("crowd")))
    first = await wait_bound(cluster, "loner")
    await create(cluster, pod("crowd-1", labels={"app": "crowd"}))
    second = await wait_bound(cluster, "crowd-1")
    assert second != first


async def test_required_affinity_follows_the_matching_pod_zone(cluster):
    await create(
        cluster,
        node("a-1", labels={"topology.kubernetes.io/zone": "a"}),
        node("b-1", labels={"topology.kubernetes.io/zone": "b"}),
        node("b-2", labels={"topology.kubernetes.io/zone": "b"}),
        pod("db", labels={"app": "db"}, nodeName="a-1"),
    )
    term = {
        "labelSelector": {"matchLabels": {"app": "db"}},
        "topologyKey": "topology.kubernetes.io/zone",
    }
    affinity = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
    await create(cluster, pod("cache", affinity=affinity))
    assert await wait_bound(cluster, "cache") == "a-1"
    missing = {
        "labelSelector": {"matchLabels": {"app": "ghost"}},
        "topologyKey": "kubernetes.io/hostname",
    }
    await create(
        cluster,
        pod(
            "follower",
            affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [missing]}},
        ),
    )
    message = await wait_pending_message(cluster, "follower")
    assert message.startswith("0/3 nodes are available: 3 node(s) didn't match pod affinity rules.")


async def test_preferred_anti_affinity_spreads_without_blocking(cluster):
    await create(cluster, node("node-a"), node("node-b"))
    term = {
        "weight": 100,
        "podAffinityTerm": {
            "labelSelector": {"matchLabels": {"app": "api"}},
            "topologyKey": "kubernetes.io/hostname",
        },
    }
    affinity = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [term]}}
    await create(cluster, pod("api-0", labels={"app": "api"}, affinity=affinity))
    first = await wait_bound(cluster, "api-0")
    await create(cluster, pod("api-1", labels={"app": "api"}, affinity=affinity))
    assert await wait_bound(cluster, "api-1") != first
    await create(cluster, pod("api-2", labels={"app": "api"}, affinity=affinity))
    assert await wait_bound(cluster, "api-2") in ("node-a", "node-b")
