"""DefaultPreemption end to end: a higher-priority pod evicts a lower-priority one."""

from __future__ import annotations

import json

from helpers import (
    create,
    eventually,
    node,
    pod,
    priority_class,
    wait_bound,
    wait_pending_message,
)


async def test_high_priority_pod_preempts_a_lower_priority_one(cluster):
    await create(cluster, node("only", cpu="1"), priority_class("important", 1000))
    await create(cluster, pod("low", cpu="800m"))
    assert await wait_bound(cluster, "low") == "only"
    await create(cluster, pod("high", cpu="800m", priorityClassName="important"))

    async def victim_leaving() -> dict | None:
        result = await cluster.kubectl("get", "pod", "low", "-o", "json", check=False)
        if result.returncode != 0:
            return {"deleted": True}
        found = json.loads(result.stdout)
        return found if found["metadata"].get("deletionTimestamp") else None

    await eventually(victim_leaving)

    async def nominated() -> str:
        result = await cluster.kubectl(
            "get", "pod", "high", "-o", "jsonpath={.status.nominatedNodeName}"
        )
        return result.stdout.strip()

    assert await eventually(nominated) == "only"
    events = await cluster.kubectl(
        "get", "events", "--field-selector", "involvedObject.name=low", "-o", "json"
    )
    reasons = {e["reason"]: e["message"] for e in json.loads(events.stdout)["items"]}
    assert reasons.get("Preempted", "").startswith("Preempted by pod ")
    assert reasons["Preempted"].endswith(" on node only")
    # No kubelet runs here: finish the victim's graceful deletion as one would.
    await cluster.kubectl("delete", "pod", "low", "--grace-period=0", "--force", check=False)
    assert await wait_bound(cluster, "high") == "only"


async def test_equal_priority_gives_the_no_victims_message(cluster):
    await create(cluster, node("only", cpu="1"), pod("first", cpu="800m"))
    assert await wait_bound(cluster, "first") == "only"
    await create(cluster, pod("second", cpu="800m"))
    message = await wait_pending_message(cluster, "second")
    assert message == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod.."
    )


async def test_preemption_policy_never_is_respected(cluster):
    polite = priority_class("polite", 1000, preemptionPolicy="Never")
    await create(cluster, node("only", cpu="1"), polite, pod("low", cpu="800m"))
    assert await wait_bound(cluster, "low") == "only"
    await create(cluster, pod("polite", cpu="800m", priorityClassName="polite"))
    message = await wait_pending_message(cluster, "polite")
    assert message == (
        "0/1 nodes are available: 1 Insufficient cpu. "
        "preemption: not eligible due to preemptionPolicy=Never.."
    )
