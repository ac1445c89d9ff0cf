"""The scheduler cache: nodes, bound and assumed pods, running sums."""

from __future__ import annotations

from microkube_scheduler.cache import SchedulerCache
from microkube_scheduler.podinfo import PodInfo, assumed_on
from objects import typed_node, typed_pod


def test_assumed_pod_counts_until_confirmed_or_forgotten():
    cache = SchedulerCache()
    cache.add_node(typed_node("n1", cpu="2"))
    web = PodInfo(typed_pod("web", cpu="500m"))
    cache.assume_pod(assumed_on(web, "n1"), "n1")
    node = cache.get("n1")
    assert node.requested["cpu"] == 500 and len(node.pod_infos) == 1
    assert cache.is_assumed("default/web")
    cache.add_pod(PodInfo(typed_pod("web", cpu="500m", nodeName="n1")))  # the informer confirms
    assert not cache.is_assumed("default/web")
    assert node.requested["cpu"] == 500 and len(node.pod_infos) == 1
    other = PodInfo(typed_pod("other", cpu="1"))
    cache.assume_pod(assumed_on(other, "n1"), "n1")
    cache.forget_pod("default/other")
    assert node.requested["cpu"] == 500


def test_pods_reported_before_their_node_wait_on_a_placeholder():
    cache = SchedulerCache()
    cache.add_pod(PodInfo(typed_pod("early", cpu="1", nodeName="late")))
    assert cache.get("late") is None and cache.node_list() == []
    cache.add_node(typed_node("late"))
    assert cache.get("late").requested["cpu"] == 1000
    cache.remove_node("late")
    assert cache.get("late") is None
    cache.remove_pod("default/early")
    assert cache.pod_count() == 0


def test_non_zero_requests_ports_and_images_are_tracked():
    cache = SchedulerCache()
    cache.add_node(typed_node("n1", images=[("nginx:1.25", 100)]))
    cache.add_node(typed_node("n2", images=[("nginx:1.25", 100), ("redis", 50)]))
    assert cache.image_nodes == {"nginx:1.25": 2, "redis:latest": 1}
    port = [{"containerPort": 80, "hostPort": 80}]
    cache.add_pod(PodInfo(typed_pod("web", cpu=None, memory=None, nodeName="n1", ports=port)))
    node = cache.get("n1")
    assert node.non_zero_requested == {"cpu": 100, "memory": 200 * 1024 * 1024}
    assert node.requested == {}
    assert node.ports_conflict([("0.0.0.0", "TCP", 80)])
    assert not node.ports_conflict([("0.0.0.0", "UDP", 80)])
    cache.remove_node("n2")
    assert cache.image_nodes == {"nginx:1.25": 1}
