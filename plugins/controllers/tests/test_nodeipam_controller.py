"""The nodeipam controller against a real API server: distinct CIDRs per Node, freed on
deletion, CIDRNotAvailable when the range is full, nothing handed out twice after a restart,
and the controller manager running it by name."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from microkube_controllers.nodeipam.controller import NodeIpamController

from microkube.client.informer import SharedInformerFactory
from microkube.contracts.controller import ControllerContext


def _node(name: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": spec}


@contextlib.asynccontextmanager
async def _running(cluster, options):  # type: ignore[no-untyped-def]
    client = cluster.client()
    informers = SharedInformerFactory(client)
    controller = NodeIpamController(
        ControllerContext(client=client, informers=informers, options=options)
    )
    task = asyncio.create_task(controller.run(2))
    try:
        yield controller
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await informers.shutdown()


async def _cidr_of(api, name: str) -> str | None:  # type: ignore[no-untyped-def]
    node = await api.get("nodes", name)
    return (node.get("spec") or {}).get("podCIDR")


async def test_allocate_free_full_and_restart(microkube_cluster, poll_until) -> None:
    cluster = await microkube_cluster("apiserver")
    api = cluster.client()
    options = {"cluster-cidr": "10.250.0.0/22", "node-cidr-mask-size": 24}
    # A node registered with a CIDR already (e.g. before this controller ran).
    await api.create("nodes", _node("n0", podCIDR="10.250.2.0/24", podCIDRs=["10.250.2.0/24"]))
    async with _running(cluster, options) as controller:
        for name in ("n1", "n2", "n3"):
            await api.create("nodes", _node(name))
        cidrs = {}
        for name in ("n1", "n2", "n3"):
            cidrs[name] = await poll_until(lambda name=name: _cidr_of(api, name), within=10)
        assert sorted(cidrs.values()) == ["10.250.0.0/24", "10.250.1.0/24", "10.250.3.0/24"]
        node = await api.get("nodes", "n1")
        assert node["spec"]["podCIDRs"] == [node["spec"]["podCIDR"]]

        await api.create("nodes", _node("n4"))

        async def full_event() -> bool:
            events = await api.list("events", namespace="default")
            return any(
                e.get("reason") == "CIDRNotAvailable"
                and e["involvedObject"]["name"] == "n4"
                and e.get("message") == "Node n4 status is now: CIDRNotAvailable"
                for e in events["items"]
            )

        await poll_until(full_event, within=10)
        assert await _cidr_of(api, "n4") is None
        freed = cidrs["n2"]
        await api.delete("nodes", "n2")
        assert await poll_until(lambda: _cidr_of(api, "n4"), within=15) == freed
        assert controller.sets[0].allocated == 4

    # A restarted controller rebuilds from the Nodes: n5 waits for a free CIDR, never
    # getting one a Node holds.
    async with _running(cluster, options):
        await api.create("nodes", _node("n5"))
        await poll_until(full_event_for(api, "n5"), within=10)
        assert await _cidr_of(api, "n5") is None
        await api.delete("nodes", "n3")
        assert await poll_until(lambda: _cidr_of(api, "n5"), within=15) == cidrs["n3"]


def full_event_for(api, name: str):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        events = await api.list("events", namespace="default")
        return any(
            e.get("reason") == "CIDRNotAvailable" and e["involvedObject"]["name"] == name
            for e in events["items"]
        )

    return check


async def test_the_service_range_is_never_handed_out(microkube_cluster, poll_until) -> None:
    cluster = await microkube_cluster("apiserver")
    api = cluster.client()
    options = {
        "cluster-cidr": "10.96.0.0/23",
        "node-cidr-mask-size": 24,
        "service-cluster-ip-range": "10.96.0.0/24",
    }
    async with _running(cluster, options):
        await api.create("nodes", _node("a"))
        assert await poll_until(lambda: _cidr_of(api, "a"), within=10) == "10.96.1.0/24"


async def test_the_controller_manager_runs_it_by_name(microkube_cluster, poll_until) -> None:
    options = {"controller-manager": {"leader-elect": False, "controllers": "nodeipam"}}
    cluster = await microkube_cluster("apiserver", "controller-manager", options=options)
    api = cluster.client()
    await api.create("nodes", _node("m1"))
    assert await poll_until(lambda: _cidr_of(api, "m1"), within=10) == "10.244.0.0/24"
