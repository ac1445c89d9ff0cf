"""The controller-manager component: controller selection, leader election, failover."""

from __future__ import annotations

import asyncio

import pytest
from microkube_controllers.manager.component import ControllerManager
from microkube_controllers.manager.selection import ControllerSelectionError

from microkube.contracts.component import ComponentContext

FAST_ELECTION = {
    "leader-elect-lease-duration": 3,
    "leader-elect-renew-deadline": 2,
    "leader-elect-retry-period": 0.5,
}


def replicaset(name, replicas=2):
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            },
        },
    }


def manager(cluster, **options):
    context = ComponentContext(
        name="controller-manager",
        data_dir=cluster.data_dir,
        config=cluster.config,
        registry=cluster.registry,
        options={"controllers": "replicaset,deployment", **options},
    )
    return ControllerManager(context)


async def pod_count(api, app):
    return len((await api.list("pods", "default", label_selector=f"app={app}"))["items"])


async def test_unknown_controller_is_refused(microkube_cluster):
    cluster = await microkube_cluster("apiserver")
    with pytest.raises(ControllerSelectionError, match="'replicasets' is not in the list"):
        manager(cluster, controllers="*,-replicasets")


async def test_disabled_controller_does_not_run(workloads_cluster, poll_until):
    cluster, _ = await workloads_cluster(options={"controllers": "*,-replicaset"})
    api = cluster.client()
    component = cluster.components["controller-manager"]
    assert "deployment" in component.enabled
    assert "replicaset" not in component.enabled
    await cluster.kubectl("create", "deployment", "web", "--image=busybox", "--replicas=2")

    async def replica_set_made():
        return (await api.list("replicasets", "default"))["items"]

    await poll_until(replica_set_made)
    await asyncio.sleep(1)
    assert await pod_count(api, "web") == 0


async def test_two_managers_one_leader_and_failover(microkube_cluster, poll_until):
    cluster = await microkube_cluster("apiserver")
    api = cluster.client()
    first = manager(cluster, **FAST_ELECTION)
    second = manager(cluster, **FAST_ELECTION)
    try:
        await first.start()

        async def first_leads():
            return first.leading.is_set()

        await poll_until(first_leads)
        await second.start()

        async def second_sees_first():
            return second.leader == first.identity

        await poll_until(second_sees_first)
        assert not second.leading.is_set()
        lease = await api.get("leases", "kube-controller-manager", "kube-system")
        assert lease["spec"]["holderIdentity"] == first.identity
        assert lease["spec"]["leaseDurationSeconds"] == 3

        await api.create("replicasets", replicaset("one", 3), "default")

        async def three():
            return await pod_count(api, "one") == 3

        await poll_until(three)
        await asyncio.sleep(1)
        assert await pod_count(api, "one") == 3  # one manager acted, once
        assert not second.leading.is_set()

        await first.stop()

        async def took_over():
            return second.leading.is_set()

        await poll_until(took_over, within=15)
        lease = await api.get("leases", "kube-controller-manager", "kube-system")
        assert lease["spec"]["holderIdentity"] == second.identity
        assert lease["spec"]["leaseTransitions"] >= 1
        await api.create("replicasets", replicaset("two", 2), "default")

        async def two():
            return await pod_count(api, "two") == 2

        await poll_until(two)
        assert await pod_count(api, "one") == 3

        events = (await api.list("events", "kube-system"))["items"]
        elections = [e for e in events if e["reason"] == "LeaderElection"]
        assert {e["message"] for e in elections} == {
            f"{first.identity} became leader",
            f"{second.identity} became leader",
        }
        for event in elections:
            assert event["involvedObject"]["kind"] == "Lease"
            assert event["involvedObject"]["name"] == "kube-controller-manager"
            assert event["source"]["component"] == "kube-controller-manager"
    finally:
        await first.stop()
        await second.stop()


async def test_leader_that_loses_the_lease_stops_its_controllers(microkube_cluster, poll_until):
    cluster = await microkube_cluster("apiserver")
    api = cluster.client()
    only = manager(cluster, **FAST_ELECTION)
    try:
        await only.start()

        async def leads():
            return only.leading.is_set()

        await poll_until(leads)
        # Another holder takes the lease (as an operator or a partitioned peer could).
        lease = await api.get("leases", "kube-controller-manager", "kube-system")
        lease["spec"]["holderIdentity"] = "someone-else"
        lease["spec"]["leaseDurationSeconds"] = 3600
        await api.replace("leases", lease, "kube-system")

        async def stopped():
            return not only.leading.is_set()

        await poll_until(stopped, within=15)
        await api.create("replicasets", replicaset("ignored", 2), "default")
        await asyncio.sleep(1.5)
        assert await pod_count(api, "ignored") == 0
    finally:
        await only.stop()


async def test_default_runs_every_registered_controller(microkube_cluster, poll_until):
    cluster = await microkube_cluster(
        "apiserver", "controller-manager", options={"controller-manager": FAST_ELECTION}
    )
    component = cluster.components["controller-manager"]
    registered = cluster.registry.registrations("microkube_controllers")
    assert component.enabled == sorted(registered)
    assert {"replicaset", "deployment"} <= set(component.enabled)

    async def leading():
        return component.leading.is_set() and component.runner.synced.is_set()

    await poll_until(leading)
    assert {"replicaset", "deployment"} <= set(component.runner.controllers)
    lease = await cluster.client().get("leases", "kube-controller-manager", "kube-system")
    assert lease["spec"]["holderIdentity"] == component.identity
    assert component.identity.count("_") >= 1  # <hostname>_<uuid>
