"""The ReplicaSet controller against the real API server, with hollow kubelets."""

from __future__ import annotations

import asyncio

from microkube_controllers.workloads.replicaset import ReplicaSetController

from microkube.client.api import ApiClient
from microkube.client.errors import ForbiddenError
from microkube.client.informer import SharedInformerFactory
from microkube.contracts.controller import ControllerContext

ONLY_WORKLOADS = {"controllers": "replicaset,deployment"}


def replicaset(name="web", replicas=3, labels=None, **spec):
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            },
            **spec,
        },
    }


async def pods_of(api, selector="app=web", *, active=True):
    items = (await api.list("pods", "default", label_selector=selector))["items"]
    if active:
        items = [p for p in items if not p["metadata"].get("deletionTimestamp")]
    return items


async def test_creates_pods_and_reports_status(workloads_cluster, poll_until):
    cluster, _ = await workloads_cluster(options=ONLY_WORKLOADS)
    api = cluster.client()
    rs = await api.create("replicasets", replicaset(replicas=3), "default")

    async def settled():
        current = await api.get("replicasets", "web", "default")
        status = current.get("status") or {}
        return status.get("availableReplicas") == 3 and current

    current = await poll_until(settled)
    status = current["status"]
    assert status["replicas"] == 3
    assert status["fullyLabeledReplicas"] == 3
    assert status["readyReplicas"] == 3
    assert status["observedGeneration"] == current["metadata"]["generation"]
    pods = await pods_of(api)
    assert len(pods) == 3
    for pod in pods:
        assert pod["metadata"]["generateName"] == "web-"
        assert pod["metadata"]["name"].startswith("web-")
        (ref,) = pod["metadata"]["ownerReferences"]
        assert ref == {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "name": "web",
            "uid": rs["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }

    async def created_events():
        events = (await api.list("events", "default"))["items"]
        mine = [e for e in events if e["involvedObject"].get("name") == "web"]
        return len([e for e in mine if e["reason"] == "SuccessfulCreate"]) == 3 and mine

    events = await poll_until(created_events)
    names = {p["metadata"]["name"] for p in pods}
    for event in events:
        assert event["source"]["component"] == "replicaset-controller"
        assert event["involvedObject"]["kind"] == "ReplicaSet"
        assert event["message"].removeprefix("Created pod: ") in names


async def test_scale_down_deletes_not_ready_pods_first(workloads_cluster, poll_until):
    lazy = set()
    cluster, kubelets = await workloads_cluster(
        options=ONLY_WORKLOADS, ready=lambda pod: pod["metadata"]["name"] not in lazy
    )
    api = cluster.client()
    await api.create("replicasets", replicaset(replicas=4), "default")

    async def ready(n):
        current = await api.get("replicasets", "web", "default")
        return (current.get("status") or {}).get("readyReplicas") == n

    await poll_until(lambda: ready(4))
    pods = await pods_of(api)
    lazy.update(p["metadata"]["name"] for p in pods[:2])
    kubelets.refresh()
    await poll_until(lambda: ready(2))
    await cluster.kubectl("scale", "replicaset", "web", "--replicas=2")

    async def two_left():
        left = await pods_of(api)
        return len(left) == 2 and left

    left = await poll_until(two_left)
    assert {p["metadata"]["name"] for p in left}.isdisjoint(lazy)

    async def deleted_events():
        events = (await api.list("events", "default"))["items"]
        return sorted(e["message"] for e in events if e["reason"] == "SuccessfulDelete") == sorted(
            f"Deleted pod: {name}" for name in lazy
        )

    await poll_until(deleted_events)


async def test_replaces_deleted_pods(workloads_cluster, poll_until):
    cluster, _ = await workloads_cluster(options=ONLY_WORKLOADS)
    api = cluster.client()
    await api.create("replicasets", replicaset(replicas=2), "default")

    async def count(n):
        return len(await pods_of(api)) == n

    await poll_until(lambda: count(2))
    victim = (await pods_of(api))[0]["metadata"]["name"]
    await cluster.kubectl("delete", "pod", victim, "--wait=false")

    async def replaced():
        pods = await pods_of(api)
        return len(pods) == 2 and victim not in {p["metadata"]["name"] for p in pods}

    await poll_until(replaced)


async def test_adopts_orphans_and_releases_pods_that_stop_matching(workloads_cluster, poll_until):
    cluster, _ = await workloads_cluster(options=ONLY_WORKLOADS)
    api = cluster.client()
    orphan = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "orphan", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    await api.create("pods", orphan, "default")
    rs = await api.create("replicasets", replicaset(replicas=2), "default")

    async def adopted():
        pod = await api.get("pods", "orphan", "default")
        refs = pod["metadata"].get("ownerReferences") or []
        return refs and refs[0]["uid"] == rs["metadata"]["uid"]

    await poll_until(adopted)

    async def two():
        return len(await pods_of(api)) == 2

    await poll_until(two)
    # The orphan counted: only one pod was created.
    await asyncio.sleep(1)
    assert len(await pods_of(api)) == 2

    await cluster.kubectl("label", "pod", "orphan", "app=other", "--overwrite")

    async def released_and_replaced():
        pod = await api.get("pods", "orphan", "default")
        return not pod["metadata"].get("ownerReferences") and len(await pods_of(api)) == 2

    await poll_until(released_and_replaced)


class QuotaRefusingClient(ApiClient):
    """The real client, except that the API server's quota admission is played: every pod
    create is refused as kube-apiserver's ResourceQuota plugin refuses it."""

    async def create(self, resource, body, namespace=None, **kwargs):
        if resource == "pods":
            raise ForbiddenError(
                {
                    "kind": "Status",
                    "code": 403,
                    "reason": "Forbidden",
                    "message": 'pods "web-x" is forbidden: exceeded quota: pods, requested: '
                    "pods=1, used: pods=0, limited: pods=0",
                }
            )
        return await super().create(resource, body, namespace, **kwargs)


async def test_create_failure_sets_replica_failure_condition(microkube_cluster, poll_until):
    cluster = await microkube_cluster("apiserver")
    client = QuotaRefusingClient.from_kubeconfig(cluster.kubeconfig)
    informers = SharedInformerFactory(client)
    controller = ReplicaSetController(ControllerContext(client=client, informers=informers))
    task = asyncio.create_task(controller.run(2))
    try:
        api = cluster.client()
        await api.create("replicasets", replicaset(replicas=2), "default")

        async def failed():
            current = await api.get("replicasets", "web", "default")
            conditions = (current.get("status") or {}).get("conditions") or []
            return conditions and conditions[0]

        condition = await poll_until(failed)
        assert condition["type"] == "ReplicaFailure"
        assert condition["status"] == "True"
        assert condition["reason"] == "FailedCreate"
        assert "exceeded quota" in condition["message"]

        async def failed_events():
            events = (await api.list("events", "default"))["items"]
            return [e for e in events if e["reason"] == "FailedCreate"]

        (event, *_) = await poll_until(failed_events)
        assert event["type"] == "Warning"
        assert event["message"].startswith('Error creating: pods "web-x" is forbidden')
        assert event["source"]["component"] == "replicaset-controller"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await informers.shutdown()
        await client.close()
