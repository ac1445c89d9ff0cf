"""Fixtures of the controllers' tests."""

from __future__ import annotations

import contextlib

import pytest_asyncio

# -- lifecycle controllers (namespace, serviceaccount, garbagecollector, endpointslice, ...) --


@pytest_asyncio.fixture
async def lifecycle_controllers(microkube_cluster, run_controllers):
    """``cluster, client = await lifecycle_controllers("namespace", options={...})``: the API
    server (plus ``components``) started by ``microkube_cluster`` and the named controllers of
    ``microkube_controllers.lifecycle`` running on one shared informer factory, as the
    controller manager runs them (through ``run_controllers``); stopped after the test."""
    from microkube_controllers.lifecycle import microkube_controllers as lifecycle_factories

    async def start(*names, components=("apiserver",), options=None, workers=2, cluster=None):
        cluster = cluster or await microkube_cluster(*components)
        registered = lifecycle_factories()
        factories = [registered[name] for name in names]
        await run_controllers(cluster, *factories, options=options, workers=workers)
        return cluster, cluster.client()

    return start


@pytest_asyncio.fixture
async def poll_until():
    """``await poll_until(check, within=30)``: call the async ``check`` until it returns
    something truthy (returned), failing the test after ``within`` seconds."""
    import asyncio

    async def poll(check, within: float = 30.0, every: float = 0.2):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            value = await check()
            if value:
                return value
            if loop.time() > deadline:
                raise AssertionError(f"condition not met within {within} s: {check}")
            await asyncio.sleep(every)

    return poll


# -- job, cronjob, daemonset, horizontalpodautoscaling -------------------------------------


@pytest_asyncio.fixture
async def run_controllers():
    """``controllers = await run_controllers(cluster, factory, ..., options={...})``: each
    ``factory(context)`` (a controller class or hook factory) built on one ControllerContext
    over a shared informer factory, as the controller manager builds them, and run with two
    workers; everything is stopped after the test. Returns the controllers."""
    import asyncio

    from microkube.client.informer import SharedInformerFactory
    from microkube.contracts.controller import ControllerContext

    running: list[tuple[list[asyncio.Task], SharedInformerFactory]] = []

    async def start(cluster, *factories, options=None, workers=2):
        client = cluster.client()
        informers = SharedInformerFactory(client)
        context = ControllerContext(client=client, informers=informers, options=options or {})
        controllers = [factory(context) for factory in factories]
        tasks = [asyncio.create_task(c.run(workers), name=c.name) for c in controllers]
        running.append((tasks, informers))
        return controllers

    yield start
    for tasks, informers in running:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await informers.shutdown()


class PodPlayer:
    """Plays the kubelet (and scheduler) for controller tests: creates Nodes, binds pods,
    reports them Running/Ready, then Succeeded or Failed with container exit codes."""

    def __init__(self, client):
        self.client = client

    async def node(self, name, *, labels=None, taints=None, ready=True):
        body = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "labels": {"kubernetes.io/hostname": name, **(labels or {})},
            },
            "spec": {"taints": taints} if taints else {},
        }
        await self.client.create("nodes", body)
        status = {
            "conditions": [
                {"type": "Ready", "status": "True" if ready else "False", "reason": "KubeletReady"}
            ],
            "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
            "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
        }
        return await self.client.patch_status("nodes", name, {"status": status})

    async def pods(self, namespace="default", selector=None):
        found = await self.client.list("pods", namespace, label_selector=selector)
        return found["items"]

    async def bind(self, pod, node="node-1"):
        """Bind, as a scheduler; False if the pod went away or is being deleted meanwhile."""
        from microkube.client import ConflictError, NotFoundError

        meta = pod["metadata"]
        if not (pod.get("spec") or {}).get("nodeName"):
            try:
                await self.client.bind(meta["name"], node, meta["namespace"])
            except (ConflictError, NotFoundError):
                return False
        return True

    async def run(self, pod, node="node-1", *, ready=True):
        """Bind (unless bound) and report the pod Running (and Ready)."""
        from datetime import UTC, datetime

        if not await self.bind(pod, node):
            return None
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        containers = (pod.get("spec") or {}).get("containers") or []
        status = {
            "phase": "Running",
            "startTime": now,
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "lastTransitionTime": now,
                },
                {"type": "ContainersReady", "status": "True" if ready else "False"},
            ],
            "containerStatuses": [
                {
                    "name": c["name"],
                    "image": c.get("image", ""),
                    "imageID": "",
                    "ready": ready,
                    "restartCount": 0,
                    "started": True,
                    "state": {"running": {"startedAt": now}},
                }
                for c in containers
            ],
        }
        return await self._report(pod, status)

    async def finish(self, pod, exit_code=0, node="node-1"):
        """Bind (unless bound) and report the pod's containers exited with ``exit_code``."""
        from datetime import UTC, datetime

        if not await self.bind(pod, node):
            return None
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        containers = (pod.get("spec") or {}).get("containers") or []
        reason = "Completed" if exit_code == 0 else "Error"
        status = {
            "phase": "Succeeded" if exit_code == 0 else "Failed",
            "conditions": [{"type": "Ready", "status": "False", "reason": "PodCompleted"}],
            "containerStatuses": [
                {
                    "name": c["name"],
                    "image": c.get("image", ""),
                    "imageID": "",
                    "ready": False,
                    "restartCount": 0,
                    "state": {
                        "terminated": {
                            "exitCode": exit_code,
                            "reason": reason,
                            "startedAt": now,
                            "finishedAt": now,
                        }
                    },
                }
                for c in containers
            ],
        }
        return await self._report(pod, status)

    async def _report(self, pod, status):
        """Write the pod's status, as its kubelet; None if the pod is gone meanwhile."""
        from microkube.client import NotFoundError

        meta = pod["metadata"]
        try:
            return await self.client.patch_status(
                "pods", meta["name"], {"status": status}, meta["namespace"]
            )
        except NotFoundError:
            return None

    async def reap(self, namespace="default"):
        """Finish pods being deleted, as a kubelet does once their containers stopped."""
        import contextlib

        from microkube.client import NotFoundError

        for pod in await self.pods(namespace):
            meta = pod["metadata"]
            if meta.get("deletionTimestamp") and (pod.get("spec") or {}).get("nodeName"):
                with contextlib.suppress(NotFoundError):  # gone already
                    await self.client.delete(
                        "pods", meta["name"], meta["namespace"], grace_period_seconds=0
                    )


@pytest_asyncio.fixture
async def pod_player():
    """``player = pod_player(client)``: a :class:`PodPlayer` playing the kubelet."""
    return PodPlayer


# -- controller manager, replicaset, deployment ------------------------------------------


class HollowKubelets:
    """Plays the scheduler and kubelets of a few nodes, kwok-style, driven by a pod watch:
    binds every new pod to a node (round robin), reports it Running with its containers
    started, Ready unless ``ready(pod)`` says no, and removes pods being deleted (grace 0)
    as a kubelet does once their containers stopped. ``refresh()`` re-applies ``ready``."""

    def __init__(self, client, nodes=("hollow-1", "hollow-2", "hollow-3"), ready=None):
        self.client = client
        self.nodes = list(nodes)
        self.ready = ready or (lambda pod: True)
        self._next = 0
        self._tasks = []
        self._informer = None
        self._queue = None

    async def start(self, workers=4):
        import asyncio

        from microkube.client.informer import Informer
        from microkube.client.workqueue import WorkQueue

        for name in self.nodes:
            await self._create_node(name)
        self._queue = WorkQueue()
        self._informer = Informer(self.client, "pods")
        self._informer.add_event_handler(
            on_add=self._enqueue, on_update=lambda old, new: self._enqueue(new)
        )
        self._informer.start()
        await self._informer.wait_for_sync()
        self._tasks = [asyncio.create_task(self._work()) for _ in range(workers)]
        return self

    async def stop(self):
        import asyncio

        if self._queue is not None:
            self._queue.shut_down()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._informer is not None:
            await self._informer.stop()

    def refresh(self):
        """Look at every pod again (after changing ``ready``)."""
        for pod in self._informer.store.list():
            self._enqueue(pod)

    def _enqueue(self, pod):
        meta = pod["metadata"]
        self._queue.add(f"{meta['namespace']}/{meta['name']}")

    async def _create_node(self, name):
        from microkube.client.errors import AlreadyExistsError

        body = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        }
        try:
            await self.client.create("nodes", body)
        except AlreadyExistsError:
            return
        status = {
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "allocatable": {"cpu": "64", "memory": "256Gi", "pods": "1000"},
            "capacity": {"cpu": "64", "memory": "256Gi", "pods": "1000"},
        }
        await self.client.patch_status("nodes", name, {"status": status})

    async def _work(self):
        import logging

        from microkube.client.errors import ApiError
        from microkube.client.workqueue import ShutDown

        while True:
            try:
                key = await self._queue.get()
            except ShutDown:
                return
            try:
                pod = self._informer.store.get(key)
                if pod is not None:
                    await self._handle(pod)
            except ApiError as exc:
                logging.getLogger("hollow-kubelets").info("%s: %s", key, exc)
            finally:
                self._queue.done(key)

    async def _handle(self, pod):
        from datetime import UTC, datetime

        from microkube.client.errors import NotFoundError

        meta, spec = pod["metadata"], pod.get("spec") or {}
        namespace, name = meta["namespace"], meta["name"]
        if meta.get("deletionTimestamp"):
            if spec.get("nodeName"):
                with contextlib.suppress(NotFoundError):
                    await self.client.delete("pods", name, namespace, grace_period_seconds=0)
            return
        node = spec.get("nodeName")
        if not node:
            node = self.nodes[self._next % len(self.nodes)]
            self._next += 1
            await self.client.bind(name, node, namespace)
            return  # the binding's update event brings the pod back
        ready = bool(self.ready(pod))
        status = pod.get("status") or {}
        current = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        wanted = "True" if ready else "False"
        if status.get("phase") == "Running" and current.get("Ready") == wanted:
            return
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        started = status.get("startTime") or now
        number = self.nodes.index(node) + 1 if node in self.nodes else 0
        containers = spec.get("containers") or []
        new_status = {
            "phase": "Running",
            "hostIP": f"10.0.0.{number}",
            "podIP": f"10.244.{number}.{abs(hash(name)) % 250 + 2}",
            "startTime": started,
            "conditions": [
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": started},
                {"type": "Initialized", "status": "True", "lastTransitionTime": started},
                {"type": "ContainersReady", "status": wanted, "lastTransitionTime": now},
                {"type": "Ready", "status": wanted, "lastTransitionTime": now},
            ],
            "containerStatuses": [
                {
                    "name": c["name"],
                    "image": c.get("image", ""),
                    "imageID": f"hollow://{c.get('image', '')}",
                    "containerID": f"hollow://{meta.get('uid', name)}/{c['name']}",
                    "ready": ready,
                    "started": True,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": started}},
                }
                for c in containers
            ],
        }
        with contextlib.suppress(NotFoundError):
            await self.client.patch_status("pods", name, {"status": new_status}, namespace)


@pytest_asyncio.fixture
async def hollow_kubelets():
    """``kubelets = await hollow_kubelets(client, nodes=..., ready=..., workers=4)``: started
    :class:`HollowKubelets`, stopped after the test."""
    started = []

    async def start(client, nodes=("hollow-1", "hollow-2", "hollow-3"), ready=None, workers=4):
        kubelets = await HollowKubelets(client, nodes, ready).start(workers)
        started.append(kubelets)
        return kubelets

    yield start
    for kubelets in started:
        await kubelets.stop()


@pytest_asyncio.fixture
async def workloads_cluster(microkube_cluster):
    """``cluster, kubelets = await workloads_cluster(ready=..., options=...)``: the API server
    and the controller manager (``options`` is its option section) in process, with
    :class:`HollowKubelets` playing the nodes; all stopped after the test."""
    started = []

    async def start(*, ready=None, options=None, nodes=("hollow-1", "hollow-2", "hollow-3")):
        manager = {"leader-elect": False, **(options or {})}
        cluster = await microkube_cluster(
            "apiserver", "controller-manager", options={"controller-manager": manager}
        )
        kubelets = await HollowKubelets(cluster.client(), nodes, ready).start()
        started.append(kubelets)
        return cluster, kubelets

    yield start
    for kubelets in started:
        await kubelets.stop()
