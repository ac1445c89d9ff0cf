"""NodeUnschedulable end to end: ``kubectl cordon`` keeps new pods off a node."""

from __future__ import annotations

from helpers import create, node, pod, wait_bound, wait_pending_message


async def test_cordoned_node_takes_no_pods_until_uncordoned(cluster):
    await create(cluster, node("only"))
    await cluster.kubectl("cordon", "only")
    await create(cluster, pod("waiting"))
    message = await wait_pending_message(cluster, "waiting")
    assert message.startswith("0/1 nodes are available: 1 node(s) were unschedulable.")
    await cluster.kubectl("uncordon", "only")
    assert await wait_bound(cluster, "waiting") == "only"


async def test_a_pod_tolerating_the_unschedulable_taint_ignores_the_cordon(cluster):
    await create(cluster, node("only", unschedulable=True))
    toleration = {"key": "node.kubernetes.io/unschedulable", "operator": "Exists"}
    await create(cluster, pod("daemon", tolerations=[toleration]))
    assert await wait_bound(cluster, "daemon") == "only"
