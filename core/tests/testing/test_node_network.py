"""NodeNetwork without any proxy: the outside client reaches the node, nothing is left behind."""

from __future__ import annotations

import os

import pytest

from microkube.testing.node_network import NodeNetwork


@pytest.fixture(scope="module")
def network():
    with NodeNetwork(["10.124.1.1"]) as network:
        yield network


async def test_endpoints_answer_from_the_node_and_from_outside(network) -> None:
    assert await network.resolve("10.124.1.1", 8080) == {("10.124.1.1", 8080)}  # via the veth
    assert await network.resolve("10.124.1.1", 9999) == set()


def test_close_leaves_no_namespace_holder() -> None:
    network = NodeNetwork(["10.124.1.2"]).start()
    holders = [network.node.pid, network.outside.pid]
    network.close()
    assert not [pid for pid in holders if os.path.exists(f"/proc/{pid}")]
