"""The reconcile-loop base: keys from informer events, retries with back-off, max retries."""

from __future__ import annotations

import asyncio

from microkube_controllers.common.base import QueueController
from microkube_controllers.common.handlers import enqueue_handlers

from microkube.client.informer import SharedInformerFactory
from microkube.client.ratelimit import ItemExponentialFailureRateLimiter
from microkube.contracts.controller import ControllerContext


class ConfigMapCounter(QueueController):
    name = "counter"

    def __init__(self, context, *, fail_times=0, **kwargs):
        super().__init__(
            context, rate_limiter=ItemExponentialFailureRateLimiter(0.01, 0.05), **kwargs
        )
        self.fail_times = fail_times
        self.attempts: dict[str, int] = {}
        self.synced: list[str] = []
        self.running = 0
        self.most_running = 0
        self.watch(self.informers.informer("configmaps"), **enqueue_handlers(self.queue))

    async def sync(self, key):
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            await asyncio.sleep(0.01)
            self.attempts[key] = self.attempts.get(key, 0) + 1
            if self.attempts[key] <= self.fail_times:
                raise RuntimeError("try again")
            self.synced.append(key)
        finally:
            self.running -= 1


async def running(cluster, **kwargs):
    client = cluster.client()
    informers = SharedInformerFactory(client)
    controller = ConfigMapCounter(ControllerContext(client=client, informers=informers), **kwargs)
    task = asyncio.create_task(controller.run(3))
    return controller, task, informers


async def stop(task, informers):
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await informers.shutdown()


async def test_workers_sync_each_key_and_retry_failures(microkube_cluster, poll_until):
    cluster = await microkube_cluster("apiserver")
    api = cluster.client()
    controller, task, informers = await running(cluster, fail_times=2)
    try:
        for name in ("a", "b", "c", "d"):
            await api.create("configmaps", {"metadata": {"name": name}}, "default")

        async def all_synced():
            return {f"default/{n}" for n in "abcd"} <= set(controller.synced)

        await poll_until(all_synced)
        assert controller.attempts["default/a"] == 3  # two failures, then success
        assert controller.most_running <= 3
    finally:
        await stop(task, informers)


async def test_max_retries_drops_the_key(microkube_cluster, poll_until):
    cluster = await microkube_cluster("apiserver")
    api = cluster.client()
    controller, task, informers = await running(cluster, fail_times=100, max_retries=2)
    try:
        await api.create("configmaps", {"metadata": {"name": "x"}}, "default")

        async def dropped():
            return controller.attempts.get("default/x") == 3 and controller.queue.waiting == 0

        await poll_until(dropped)
        await asyncio.sleep(0.3)
        assert controller.attempts["default/x"] == 3
    finally:
        await stop(task, informers)
