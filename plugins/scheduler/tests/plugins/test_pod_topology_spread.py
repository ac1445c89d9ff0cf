"""PodTopologySpread end to end: spreading across zones within maxSkew."""

from __future__ import annotations

from collections import Counter

from helpers import create, node, pod, wait_bound, wait_pending_message

ZONE = "topology.kubernetes.io/zone"


def _spread(when: str = "DoNotSchedule", skew: int = 1) -> list[dict]:
    return [
        {
            "maxSkew": skew,
            "topologyKey": ZONE,
            "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": {"app": "web"}},
        }
    ]


async def test_pods_spread_evenly_across_zones(cluster):
    await create(
        cluster,
        node("a-1", labels={ZONE: "a"}, cpu="16"),
        node("a-2", labels={ZONE: "a"}, cpu="16"),
        node("a-3", labels={ZONE: "a"}, cpu="16"),
        node("b-1", labels={ZONE: "b"}),
        node("c-1", labels={ZONE: "c"}),
    )
    zone_of = {"a-1": "a", "a-2": "a", "a-3": "a", "b-1": "b", "c-1": "c"}
    for i in range(6):
        await create(
            cluster, pod(f"web-{i}", labels={"app": "web"}, topologySpreadConstraints=_spread())
        )
        await wait_bound(cluster, f"web-{i}")
    placed = [await wait_bound(cluster, f"web-{i}") for i in range(6)]
    assert Counter(zone_of[n] for n in placed) == {"a": 2, "b": 2, "c": 2}


async def test_skew_and_missing_labels_give_their_messages(cluster):
    taint = {"key": "maintenance", "value": "now", "effect": "NoSchedule"}
    await create(
        cluster,
        node("a-1", labels={ZONE: "a"}),
        node("b-1", labels={ZONE: "b"}, taints=[taint]),
        node("unlabelled"),
    )
    await create(cluster, pod("web-0", labels={"app": "web"}, topologySpreadConstraints=_spread()))
    assert await wait_bound(cluster, "web-0") == "a-1"
    await create(cluster, pod("web-1", labels={"app": "web"}, topologySpreadConstraints=_spread()))
    message = await wait_pending_message(cluster, "web-1")
    assert message.startswith(
        "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints, "
        "1 node(s) didn't match pod topology spread constraints (missing required label), "
        "1 node(s) had untolerated taint {maintenance: now}."
    )


async def test_schedule_anyway_prefers_the_emptier_zone(cluster):
    await create(
        cluster,
        node("a-1", labels={ZONE: "a"}),
        node("b-1", labels={ZONE: "b"}),
        pod("web-0", labels={"app": "web"}, nodeName="a-1"),
        pod("web-1", labels={"app": "web"}, nodeName="a-1"),
    )
    await create(
        cluster,
        pod("web-2", labels={"app": "web"}, topologySpreadConstraints=_spread("ScheduleAnyway")),
    )
    assert await wait_bound(cluster, "web-2") == "b-1"


def test_cluster_defaults_apply_to_pods_a_service_selects():
    from microkube_scheduler.handle import ClusterLookups
    from microkube_scheduler.plugins.pod_topology_spread import (
        PodTopologySpread,
        PodTopologySpreadArgs,
    )
    from microkube_scheduler.podinfo import PodInfo
    from objects import typed_pod

    from microkube.client.store import Store

    lookups = ClusterLookups()
    lookups.services = Store()
    lookups.services.replace(
        [
            {
                "metadata": {"name": "web", "namespace": "default"},
                "spec": {"selector": {"app": "web"}},
            }
        ]
    )
    plugin = PodTopologySpread(PodTopologySpreadArgs(), lookups)
    selected = typed_pod("a", labels={"app": "web", "tier": "x"})
    constraints = plugin.constraints(selected, PodInfo(selected))
    assert [(c.topology_key, c.max_skew, c.hard) for c in constraints] == [
        ("kubernetes.io/hostname", 3, False),
        (ZONE, 5, False),
    ]
    assert constraints[0].selector({"app": "web"}) and not constraints[0].selector({"app": "db"})
    lonely = typed_pod("b", labels={"app": "batch"})
    assert plugin.constraints(lonely, PodInfo(lonely)) == []
