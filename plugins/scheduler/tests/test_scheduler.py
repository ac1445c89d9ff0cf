"""The scheduler end to end: real API server, real kubectl, hollow nodes."""

from __future__ import annotations

import json

import pytest
from helpers import create, eventually, node, node_of, pod, wait_bound, wait_pending_message


async def test_a_pod_is_bound_to_the_only_node_and_described_as_scheduled(cluster):
    await create(cluster, node("node-1"), pod("web"))
    assert await wait_bound(cluster, "web") == "node-1"
    described = await cluster.kubectl("describe", "pod", "web")
    assert "Successfully assigned default/web to node-1" in described.stdout


async def test_insufficient_cpu_and_taints_give_kubernetes_pending_message(cluster):
    await create(
        cluster,
        node("node-1", cpu="1"),
        node("node-2", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
        node("node-3", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
        pod("big", cpu="2"),
    )
    message = await wait_pending_message(cluster, "big")
    assert message == (
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint "
        "{dedicated: gpu}. preemption: 0/3 nodes are available: 1 No preemption victims found "
        "for incoming pod, 2 Preemption is not helpful for scheduling.."
    )
    described = await cluster.kubectl("describe", "pod", "big")
    assert "FailedScheduling" in described.stdout
    assert "0/3 nodes are available: 1 Insufficient cpu" in described.stdout


async def test_two_pods_never_take_the_last_free_slot_together(cluster):
    """The cache assumes the first pod before its binding lands: the second must wait."""
    await create(cluster, node("node-1", pods="1"), pod("first"), pod("second"))

    async def placed() -> list[str] | None:
        nodes = [await node_of(cluster, name) for name in ("first", "second")]
        return nodes if any(nodes) else None

    nodes = await eventually(placed)
    pending = "second" if nodes[0] else "first"
    message = await wait_pending_message(cluster, pending)
    assert message.startswith("0/1 nodes are available: 1 Too many pods.")
    assert await node_of(cluster, pending) == ""


async def test_an_unschedulable_pod_is_placed_once_a_node_that_fits_is_added(cluster):
    await create(cluster, node("small", cpu="500m"), pod("needs-two", cpu="2"))
    message = await wait_pending_message(cluster, "needs-two")
    assert message.startswith("0/1 nodes are available: 1 Insufficient cpu.")
    await create(cluster, node("large", cpu="8"))
    assert await wait_bound(cluster, "needs-two") == "large"
    described = await cluster.kubectl("describe", "pod", "needs-two")
    assert "Successfully assigned default/needs-two to large" in described.stdout


async def test_a_pod_for_another_scheduler_is_left_alone(cluster):
    await create(cluster, node("node-1"), pod("mine"), pod("theirs", schedulerName="other"))
    assert await wait_bound(cluster, "mine") == "node-1"
    result = await cluster.kubectl("get", "pod", "theirs", "-o", "json")
    status = json.loads(result.stdout).get("status") or {}
    assert not (json.loads(result.stdout)["spec"].get("nodeName"))
    assert not any(c.get("type") == "PodScheduled" for c in status.get("conditions") or ())


async def test_a_gated_pod_is_not_scheduled(cluster):
    """Pods with ``spec.schedulingGates`` wait outside the queue (upstream's SchedulingGates).
    (Removing the gates needs the API server to allow that pod update; see the report.)"""
    await create(cluster, node("node-1"), pod("gated", schedulingGates=[{"name": "example/wait"}]))
    await create(cluster, pod("free"))
    assert await wait_bound(cluster, "free") == "node-1"
    assert await node_of(cluster, "gated") == ""
    cluster_scheduler = cluster.components["scheduler"].scheduler
    assert "default/gated" not in cluster_scheduler.queue


async def test_the_scheduler_leads_through_a_lease_as_kube_scheduler(cluster):
    await create(cluster, node("node-1"), pod("web"))
    assert await wait_bound(cluster, "web") == "node-1"
    lease = json.loads(
        (
            await cluster.kubectl(
                "get", "lease", "kube-scheduler", "-n", "kube-system", "-o", "json"
            )
        ).stdout
    )
    identity = cluster.components["scheduler"].identity
    assert lease["spec"]["holderIdentity"] == identity
    assert lease["spec"]["leaseDurationSeconds"] == 15


class TestWithoutLeaderElection:
    @pytest.fixture
    def scheduler_options(self):
        return {"leaderElection": {"leaderElect": False}}

    async def test_schedules_without_a_lease(self, cluster):
        await create(cluster, node("node-1"), pod("web"))
        assert await wait_bound(cluster, "web") == "node-1"
        found = await cluster.kubectl(
            "get", "lease", "kube-scheduler", "-n", "kube-system", check=False
        )
        assert found.returncode != 0 and "NotFound" in found.stderr
