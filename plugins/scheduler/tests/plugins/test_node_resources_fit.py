"""NodeResourcesFit through the real API server and kubectl."""

from __future__ import annotations

import pytest
from helpers import create, node, pod, wait_bound, wait_pending_message


async def test_memory_and_extended_resources_are_checked(cluster):
    await create(
        cluster,
        node("plain", memory="1Gi"),
        node("gpu", memory="1Gi", extra={"nvidia.com/gpu": "1"}),
        pod("trainer", memory="512Mi", requests={"nvidia.com/gpu": "1"}),
        pod("hungry", memory="2Gi"),
    )
    assert await wait_bound(cluster, "trainer") == "gpu"
    message = await wait_pending_message(cluster, "hungry")
    assert message.startswith("0/2 nodes are available: 2 Insufficient memory.")
    await create(cluster, pod("second-trainer", memory="1Mi", requests={"nvidia.com/gpu": "1"}))
    message = await wait_pending_message(cluster, "second-trainer")
    assert message.startswith("0/2 nodes are available: 2 Insufficient nvidia.com/gpu.")


async def test_least_allocated_spreads_pods_to_the_emptier_node(cluster):
    await create(
        cluster, node("busy"), node("idle"), pod("filler", cpu="3", memory="24Gi", nodeName="busy")
    )
    await create(cluster, pod("web", cpu="500m"))
    assert await wait_bound(cluster, "web") == "idle"


class TestMostAllocated:
    @pytest.fixture
    def scheduler_options(self):
        return {
            "profiles": [
                {
                    "schedulerName": "default-scheduler",
                    "pluginConfig": [
                        {
                            "name": "NodeResourcesFit",
                            "args": {"scoringStrategy": {"type": "MostAllocated"}},
                        }
                    ],
                }
            ]
        }

    async def test_most_allocated_packs_pods_onto_the_busier_node(self, cluster):
        await create(
            cluster,
            node("busy"),
            node("idle"),
            pod("filler", cpu="3", memory="24Gi", nodeName="busy"),
        )
        await create(cluster, pod("web", cpu="500m"))
        assert await wait_bound(cluster, "web") == "busy"


class TestRequestedToCapacityRatio:
    @pytest.fixture
    def scheduler_options(self):
        strategy = {
            "type": "RequestedToCapacityRatio",
            "resources": [{"name": "cpu", "weight": 1}],
            "requestedToCapacityRatio": {
                "shape": [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]
            },
        }
        return {
            "profiles": [
                {
                    "pluginConfig": [
                        {"name": "NodeResourcesFit", "args": {"scoringStrategy": strategy}}
                    ],
                    "plugins": {
                        "score": {"disabled": [{"name": "NodeResourcesBalancedAllocation"}]}
                    },
                }
            ]
        }

    async def test_a_bin_packing_curve_prefers_the_fuller_node(self, cluster):
        await create(cluster, node("busy"), node("idle"), pod("filler", cpu="2", nodeName="busy"))
        await create(cluster, pod("batch", cpu="1"))
        assert await wait_bound(cluster, "batch") == "busy"


def test_scoring_functions_match_upstream():
    from microkube_scheduler.plugins.node_resources_fit import (
        least_requested,
        most_requested,
        requested_to_capacity,
    )

    assert least_requested(1000, 4000) == 75
    assert least_requested(5000, 4000) == 0
    assert most_requested(1000, 4000) == 25
    assert most_requested(5000, 4000) == 100
    packing = requested_to_capacity([(0, 0), (100, 10)])
    assert packing(2000, 4000) == 50
    assert packing(0, 0) == 100  # no capacity: scored as fully used
