"""Pods waiting at Permit: allowed by every plugin that asked, rejected, or timed out."""

from __future__ import annotations

import asyncio

from microkube_scheduler.permit import WaitingPods
from objects import typed_pod

from microkube.contracts.scheduling import Code


async def test_allowed_once_every_waiting_plugin_allows():
    waiting_pods = WaitingPods()
    waiting = waiting_pods.add(typed_pod("web"), "node-1", {"Gang": 5.0, "Quota": 1.0})
    result = asyncio.create_task(waiting.wait())
    waiting_pods.get("default/web").allow("Gang")
    await asyncio.sleep(0)
    assert not result.done()
    waiting.allow("Quota")
    assert (await asyncio.wait_for(result, 5)).is_success()


async def test_rejection_and_timeout():
    waiting_pods = WaitingPods()
    rejected = waiting_pods.add(typed_pod("a"), "node-1", {"Gang": 5.0})
    rejected.reject("Gang", "group incomplete")
    status = await rejected.wait()
    assert status.code == Code.UNSCHEDULABLE and status.reasons == ("group incomplete",)
    late = waiting_pods.add(typed_pod("b"), "node-1", {"Gang": 0.05})
    status = await late.wait()
    assert status.reasons == ("rejected due to timeout after waiting 0.05s at plugin Gang",)
    waiting_pods.remove("default/b")
    assert waiting_pods.get("default/b") is None
