"""NodeName: a pod naming its node fits only that node (what preemption and explain see)."""

from __future__ import annotations

from microkube_scheduler.nodeinfo import NodeInfo
from microkube_scheduler.plugins.node_name import factory
from objects import typed_node, typed_pod

from microkube.contracts.scheduling import Code, CycleState


def test_only_the_named_node_fits():
    plugin = factory({}, None)
    named = typed_pod("pinned", nodeName="node-b")
    free = typed_pod("free")
    node_a, node_b = NodeInfo(typed_node("node-a")), NodeInfo(typed_node("node-b"))
    state = CycleState()
    assert plugin.pre_filter(state, free, [node_a])[1].code == Code.SKIP
    assert plugin.pre_filter(state, named, [node_a])[1].is_success()
    assert plugin.filter(state, named, node_b).is_success()
    rejected = plugin.filter(state, named, node_a)
    assert rejected.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE
    assert rejected.reasons == ("node(s) didn't match the requested node name",)
