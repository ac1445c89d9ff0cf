"""NodeResourcesBalancedAllocation's score, as upstream computes it."""

from __future__ import annotations

from microkube_scheduler.framework import POD_INFO
from microkube_scheduler.nodeinfo import NodeInfo
from microkube_scheduler.plugins.balanced_allocation import factory
from microkube_scheduler.podinfo import PodInfo
from objects import typed_node, typed_pod

from microkube.contracts.scheduling import CycleState


def _score(node: NodeInfo, pod) -> int:
    plugin = factory({}, None)
    state = CycleState()
    state.write(POD_INFO, PodInfo(pod))
    plugin.pre_score(state, pod, [node])
    return plugin.score(state, pod, node)[0]


def test_even_use_scores_highest():
    node = NodeInfo(typed_node("n", cpu="4", memory="4Gi"))
    assert _score(node, typed_pod("even", cpu="2", memory="2Gi")) == 100
    # cpu 50%, memory 0%: std = 0.25 -> 75
    assert _score(node, typed_pod("cpu-only", cpu="2", memory=None)) == 75


def test_batch_scores_equal_per_node_scores():
    import random

    from microkube_scheduler.plugins.node_resources_fit import factory as fit_factory

    rng = random.Random(7)
    nodes = []
    for i in range(60):
        node = NodeInfo(
            typed_node(f"n{i}", cpu=str(rng.randint(0, 8)), memory=f"{rng.randint(0, 16)}Gi")
        )
        for j in range(rng.randint(0, 4)):
            cpu = f"{rng.randint(0, 3000)}m" if rng.random() < 0.8 else None
            node.add_pod(PodInfo(typed_pod(f"p{i}-{j}", cpu=cpu, memory=f"{rng.randint(0, 9)}Gi")))
        nodes.append(node)
    pod = typed_pod("incoming", cpu="700m", memory="3Gi")
    for plugin in (factory({}, None), fit_factory({}, None)):
        state = CycleState()
        state.write(POD_INFO, PodInfo(pod))
        plugin.pre_score(state, pod, nodes)
        assert plugin.score_nodes(state, pod, nodes) == [
            plugin.score(state, pod, n)[0] for n in nodes
        ]
