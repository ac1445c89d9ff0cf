"""The lifecycle controllers' loop: a sync may ask to look at its key again later, and a
background task runs once the informers are synced."""

from __future__ import annotations

import asyncio

from microkube_controllers.lifecycle.base import LifecycleController

from microkube.client.api import ApiClient
from microkube.client.informer import SharedInformerFactory
from microkube.client.kubeconfig import ClientConfig
from microkube.contracts.controller import ControllerContext


class Recorder(LifecycleController):
    name = "recorder"

    def __init__(self, context: ControllerContext) -> None:
        super().__init__(context)
        self.seen: list[tuple[str, float]] = []
        self.done = asyncio.Event()

    async def background(self) -> None:
        self.queue.add("first")

    async def reconcile(self, key: str) -> float | None:
        self.seen.append((key, asyncio.get_running_loop().time()))
        if len(self.seen) == 1:
            return 0.2  # look again in 0.2 s
        self.done.set()
        return None


async def test_a_key_is_looked_at_again_after_the_delay_its_sync_asked_for():
    client = ApiClient(ClientConfig(server="http://127.0.0.1:9"))
    context = ControllerContext(client=client, informers=SharedInformerFactory(client))
    controller = Recorder(context)
    task = asyncio.create_task(controller.run(2))
    try:
        await asyncio.wait_for(controller.done.wait(), 30)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.close()
    (first, at), (again, later) = controller.seen
    assert first == again == "first"
    assert later - at >= 0.19
