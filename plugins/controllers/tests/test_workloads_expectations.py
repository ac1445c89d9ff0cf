"""A slow informer never makes the ReplicaSet controller create pods twice: its expectations
hold further creates until the pods it created have been observed."""

from __future__ import annotations

import asyncio

from microkube_controllers.workloads.replicaset import ReplicaSetController

from microkube.client.api import ApiClient
from microkube.client.informer import Informer, SharedInformerFactory
from microkube.contracts.controller import ControllerContext

POD_EVENT_DELAY = 2.0


class DelayedWatch:
    """A watch whose events each arrive ``delay`` seconds late (a lagging informer)."""

    def __init__(self, inner, delay):
        self.inner = inner
        self.delay = delay

    async def __aenter__(self):
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc_info):
        return await self.inner.__aexit__(*exc_info)

    def __aiter__(self):
        return self._events()

    async def _events(self):
        loop = asyncio.get_running_loop()
        pending: asyncio.Queue = asyncio.Queue()

        async def read():
            try:
                async for event in self.inner:
                    await pending.put((loop.time() + self.delay, event))
            finally:
                await pending.put((loop.time() + self.delay, None))

        reader = asyncio.create_task(read())
        try:
            while True:
                due, event = await pending.get()
                await asyncio.sleep(max(0.0, due - loop.time()))
                if event is None:
                    return
                yield event
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)


class SlowPodWatchClient(ApiClient):
    def watch(self, resource, *args, **kwargs):
        inner = super().watch(resource, *args, **kwargs)
        slow = self.resource(resource).plural == "pods"
        return DelayedWatch(inner, POD_EVENT_DELAY) if slow else inner


def replicaset(replicas):
    labels = {"app": "web"}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            },
        },
    }


async def run_with_slow_informer(cluster, *, trust_cache_blindly):
    client = SlowPodWatchClient.from_kubeconfig(cluster.kubeconfig)
    informers = SharedInformerFactory(client)
    controller = ReplicaSetController(ControllerContext(client=client, informers=informers))
    if trust_cache_blindly:
        controller.expectations.satisfied = lambda key: True
    api = cluster.client()
    created: set[str] = set()
    counter = Informer(api, "pods", namespace="default")  # a prompt watch, counting creations
    counter.add_event_handler(on_add=lambda pod: created.add(pod["metadata"]["name"]))
    counter.start()
    await counter.wait_for_sync()
    task = asyncio.create_task(controller.run(2))
    try:
        await api.create("replicasets", replicaset(3), "default")
        # Every sync meanwhile (status writes bring the ReplicaSet back) sees no pods yet.
        await asyncio.sleep(POD_EVENT_DELAY * 2.5)
        await counter.wait_for_handlers()
        return len(created)
    finally:
        await counter.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await informers.shutdown()
        await client.close()


async def test_slow_informer_does_not_cause_double_creation(microkube_cluster):
    cluster = await microkube_cluster("apiserver")
    assert await run_with_slow_informer(cluster, trust_cache_blindly=False) == 3


async def test_without_expectations_the_same_lag_would_double_create(microkube_cluster):
    """The control experiment: the scenario above does provoke extra creates when the
    controller trusts its lagging cache, so the first test's 3 is the expectations' doing."""
    cluster = await microkube_cluster("apiserver")
    assert await run_with_slow_informer(cluster, trust_cache_blindly=True) > 3
