"""ImageLocality end to end: a node that already holds a large image attracts its pods."""

from __future__ import annotations

from helpers import create, node, pod, wait_bound


async def test_node_with_the_image_is_preferred(cluster):
    big = 800 * 1024 * 1024
    await create(
        cluster,
        node("empty-1"),
        node("cached", images=[("registry.local/analytics:1.0", big)]),
        node("empty-2"),
        pod("analytics", image="registry.local/analytics:1.0"),
    )
    assert await wait_bound(cluster, "analytics") == "cached"


def test_priority_is_clamped_and_scaled():
    from microkube_scheduler.plugins.image_locality import MB, priority

    assert priority(0, 1) == 0
    assert priority(23 * MB, 1) == 0
    assert priority(1000 * MB, 1) == 100
    assert priority(5000 * MB, 1) == 100
    assert priority(511 * MB + MB // 2, 1) == 50
