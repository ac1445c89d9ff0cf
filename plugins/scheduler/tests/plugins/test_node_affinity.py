"""NodeAffinity (nodeSelector, required and preferred node affinity) end to end."""

from __future__ import annotations

from helpers import create, node, pod, wait_bound, wait_pending_message


def _term(key: str, operator: str, *values: str) -> dict:
    expression = {"key": key, "operator": operator}
    if values:
        expression["values"] = list(values)
    return {"matchExpressions": [expression]}


async def test_node_selector_and_required_affinity_pick_matching_nodes(cluster):
    await create(
        cluster,
        node("ssd-1", labels={"disk": "ssd", "zone": "a"}),
        node("hdd-1", labels={"disk": "hdd", "zone": "b"}),
        node("big-1", labels={"cores": "64"}),
        pod("selector", nodeSelector={"disk": "ssd"}),
        pod(
            "required",
            affinity={
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [_term("zone", "In", "b")]
                    }
                }
            },
        ),
        pod(
            "greater",
            affinity={
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [_term("cores", "Gt", "32")]
                    }
                }
            },
        ),
        pod("nowhere", nodeSelector={"disk": "nvme"}),
    )
    assert await wait_bound(cluster, "selector") == "ssd-1"
    assert await wait_bound(cluster, "required") == "hdd-1"
    assert await wait_bound(cluster, "greater") == "big-1"
    message = await wait_pending_message(cluster, "nowhere")
    assert message == (
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.."
    )


async def test_preferred_affinity_wins_among_nodes_that_fit(cluster):
    await create(
        cluster,
        node("plain-1"),
        node("fast-1", labels={"speed": "fast"}),
        node("plain-2"),
        pod(
            "picky",
            affinity={
                "nodeAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {"weight": 50, "preference": _term("speed", "In", "fast")}
                    ]
                }
            },
        ),
    )
    assert await wait_bound(cluster, "picky") == "fast-1"
