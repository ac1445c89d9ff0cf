"""TaintToleration end to end: NoSchedule filters, PreferNoSchedule scores."""

from __future__ import annotations

from helpers import create, node, pod, wait_bound, wait_pending_message

GPU_TAINT = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}


async def test_no_schedule_taints_keep_pods_away_unless_tolerated(cluster):
    await create(
        cluster,
        node("tainted", taints=[GPU_TAINT]),
        pod("intolerant"),
        pod(
            "tolerant",
            tolerations=[
                {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}
            ],
        ),
    )
    assert await wait_bound(cluster, "tolerant") == "tainted"
    message = await wait_pending_message(cluster, "intolerant")
    assert message.startswith(
        "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}."
    )
    described = await cluster.kubectl("describe", "pod", "intolerant")
    assert "node(s) had untolerated taint {dedicated: gpu}" in described.stdout


async def test_prefer_no_schedule_taints_are_avoided_when_possible(cluster):
    soft = {"key": "spot", "value": "true", "effect": "PreferNoSchedule"}
    await create(
        cluster,
        node("spot-1", taints=[soft]),
        node("steady-1"),
        node("spot-2", taints=[soft]),
        pod("service"),
    )
    assert await wait_bound(cluster, "service") == "steady-1"
