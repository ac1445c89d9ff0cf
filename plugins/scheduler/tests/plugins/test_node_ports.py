"""NodePorts end to end: two pods cannot share a host port on one node."""

from __future__ import annotations

from helpers import create, node, pod, wait_bound, wait_pending_message

PORT = [{"containerPort": 80, "hostPort": 8080, "protocol": "TCP"}]


async def test_host_port_in_use_filters_the_node(cluster):
    await create(cluster, node("only"), pod("first", ports=PORT))
    assert await wait_bound(cluster, "first") == "only"
    await create(cluster, pod("second", ports=PORT))
    message = await wait_pending_message(cluster, "second")
    assert message.startswith(
        "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports."
    )
    await cluster.kubectl("delete", "pod", "first", "--grace-period=0", "--force")
    assert await wait_bound(cluster, "second") == "only"
