"""TrafficProbe without any proxy: endpoints answer for themselves, the rest is nowhere."""

from __future__ import annotations

import pytest

from microkube.testing.netns import NetNamespace
from microkube.testing.proxy_probe import TrafficProbe


@pytest.fixture(scope="module")
def probe():
    with NetNamespace() as ns, TrafficProbe(ns, ["10.124.0.1", "10.124.0.2"]) as probe:
        yield probe


async def test_endpoints_answer_with_their_own_address(probe):
    assert await probe.resolve("10.124.0.2", 8080, "TCP") == {("10.124.0.2", 8080)}
    assert await probe.resolve("10.124.0.1", 1053, "UDP") == {("10.124.0.1", 1053)}


async def test_refused_and_unrouted_destinations_are_empty(probe):
    assert await probe.resolve("10.124.0.1", 9999, "TCP") == set()  # no listener
    assert await probe.resolve("10.125.0.1", 8080, "TCP") == set()  # nobody has it
