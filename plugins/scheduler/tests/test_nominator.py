"""Nominated pods by node."""

from __future__ import annotations

from microkube_scheduler.nominator import Nominator
from microkube_scheduler.podinfo import PodInfo
from objects import typed_pod


def test_nominations_move_and_go():
    nominator = Nominator()
    web = PodInfo(typed_pod("web"))
    assert not nominator
    nominator.add(web, "node-1")
    assert nominator.node_of("default/web") == "node-1" and nominator.on_node("node-1") == [web]
    nominator.add(web, "node-2")
    assert nominator.on_node("node-1") == [] and nominator.on_node("node-2") == [web]
    nominator.remove("default/web")
    assert not nominator and nominator.node_of("default/web") == ""
