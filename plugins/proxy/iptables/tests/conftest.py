"""A node and an outside client (test-made network namespaces) for this directory's tests;
see :mod:`microkube.testing.node_network`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from microkube.testing.node_network import NodeNetwork

ENDPOINT_IPS = tuple(f"10.244.50.{n}" for n in range(1, 5))


@pytest.fixture(scope="module")
def network() -> Iterator[NodeNetwork]:
    with NodeNetwork(ENDPOINT_IPS) as network:
        yield network
