"""The framework handle's lookups: indexes of the cache used on the hot path."""

from __future__ import annotations

from microkube_scheduler.cache import SchedulerCache
from microkube_scheduler.handle import SchedulerHandle
from microkube_scheduler.nominator import Nominator
from microkube_scheduler.permit import WaitingPods
from microkube_scheduler.podinfo import PodInfo
from objects import typed_node, typed_pod

ZONE = "topology.kubernetes.io/zone"


def _handle(cache: SchedulerCache) -> SchedulerHandle:
    return SchedulerHandle(cache, None, nominator=Nominator(), waiting_pods=WaitingPods())


def test_topology_domains_and_placed_pods_come_from_the_index():
    cache = SchedulerCache()
    cache.add_node(typed_node("a1", labels={ZONE: "a", "rack": "r1"}))
    cache.add_node(typed_node("b1", labels={ZONE: "b"}))
    handle = _handle(cache)
    nodes = handle.node_infos()
    assert handle.topology_domains(nodes, [ZONE]) == (None, {ZONE: {"a", "b"}})
    qualified, domains = handle.topology_domains(nodes, [ZONE, "rack"])
    assert qualified == {"a1"} and domains == {ZONE: {"a"}, "rack": {"r1"}}
    assert handle.topology_domains(list(nodes), [ZONE]) is None  # not the cache's own list
    cache.add_pod(PodInfo(typed_pod("p", "team", nodeName="b1")))
    placed = handle.placed_pods(nodes, frozenset({"team"}))
    assert [(node.name, info.key) for node, info in placed] == [("b1", "team/p")]


def test_tainted_and_cordoned_nodes_are_known_without_a_scan():
    cache = SchedulerCache()
    cache.add_node(typed_node("n1"))
    handle = _handle(cache)
    assert handle.any_node(handle.node_infos(), "tainted") is False
    cache.update_node(typed_node("n1", taints=[{"key": "k", "effect": "NoSchedule"}]))
    assert handle.any_node(handle.node_infos(), "tainted") is True
    assert handle.any_node(handle.node_infos(), "cordoned") is False
