"""DELETE: Status or object answers, finalizers, propagation policies, graceful pod deletion,
preconditions, deletecollection, namespace termination."""

from __future__ import annotations

CM = "/api/v1/namespaces/default/configmaps"
PODS = "/api/v1/namespaces/default/pods"


def pod(name: str, node: str = "", grace: int | None = None) -> dict:
    spec: dict = {"containers": [{"name": "c", "image": "busybox"}]}
    if node:
        spec["nodeName"] = node
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    return {"metadata": {"name": name}, "spec": spec}


async def test_delete_answers_status_with_uid(client):
    created = (await client.post(CM, {"metadata": {"name": "a"}})).body
    reply = await client.delete(f"{CM}/a")
    assert reply.status == 200
    assert reply.body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": "a", "kind": "configmaps", "uid": created["metadata"]["uid"]},
    }
    assert (await client.get(f"{CM}/a")).status == 404
    assert (await client.delete(f"{CM}/a")).status == 404


async def test_finalizers_keep_the_object_until_removed(client):
    body = {"metadata": {"name": "a", "finalizers": ["example.com/hold"]}}
    await client.post(CM, body)
    reply = await client.delete(f"{CM}/a")
    assert reply.status == 200
    held = reply.body
    assert held["metadata"]["deletionTimestamp"]
    assert held["metadata"]["deletionGracePeriodSeconds"] == 0
    assert (await client.get(f"{CM}/a")).status == 200
    added = await client.patch(
        f"{CM}/a", {"metadata": {"finalizers": ["example.com/hold", "example.com/new"]}}
    )
    assert added.status == 422
    released = await client.patch(f"{CM}/a", {"metadata": {"finalizers": None}})
    assert released.status == 200
    assert (await client.get(f"{CM}/a")).status == 404


async def test_propagation_policies_add_gc_finalizers(client):
    await client.post(CM, {"metadata": {"name": "fg"}})
    reply = await client.delete(f"{CM}/fg", {"propagationPolicy": "Foreground"})
    assert reply.body["metadata"]["finalizers"] == ["foregroundDeletion"]
    await client.post(CM, {"metadata": {"name": "or"}})
    reply = await client.delete(f"{CM}/or", params={"propagationPolicy": "Orphan"})
    assert reply.body["metadata"]["finalizers"] == ["orphan"]
    bad = await client.delete(f"{CM}/or", {"propagationPolicy": "Sometimes"})
    assert bad.status == 422
    assert bad.body["message"] == (
        'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: '
        '"Sometimes": supported values: "Foreground", "Background", "Orphan"'
    )


async def test_preconditions(client):
    created = (await client.post(CM, {"metadata": {"name": "a"}})).body
    reply = await client.delete(f"{CM}/a", {"preconditions": {"uid": "other"}})
    assert reply.status == 409
    assert reply.body["message"] == (
        'Operation cannot be fulfilled on configmaps "a": Precondition failed: UID in '
        f"precondition: other, UID in object meta: {created['metadata']['uid']}"
    )
    reply = await client.delete(f"{CM}/a", {"preconditions": {"resourceVersion": "1"}})
    assert reply.status == 409
    ok = await client.delete(f"{CM}/a", {"preconditions": {"uid": created["metadata"]["uid"]}})
    assert ok.status == 200


async def test_unscheduled_pod_goes_at_once_and_returns_the_object(client):
    await client.post(PODS, pod("p"))
    reply = await client.delete(f"{PODS}/p")
    assert reply.status == 200
    assert reply.body["kind"] == "Pod"
    assert (await client.get(f"{PODS}/p")).status == 404


async def test_scheduled_pod_is_deleted_gracefully(client):
    await client.post(PODS, pod("p", node="n1", grace=45))
    reply = await client.delete(f"{PODS}/p")
    assert reply.body["metadata"]["deletionGracePeriodSeconds"] == 45
    assert reply.body["metadata"]["deletionTimestamp"]
    assert (await client.get(f"{PODS}/p")).status == 200
    shorter = await client.delete(f"{PODS}/p", params={"gracePeriodSeconds": "10"})
    assert shorter.body["metadata"]["deletionGracePeriodSeconds"] == 10
    longer = await client.delete(f"{PODS}/p", params={"gracePeriodSeconds": "100"})
    assert longer.body["metadata"]["deletionGracePeriodSeconds"] == 10
    now = await client.delete(f"{PODS}/p", {"gracePeriodSeconds": 0})
    assert now.status == 200
    assert (await client.get(f"{PODS}/p")).status == 404


async def test_default_grace_is_30_seconds(client):
    await client.post(PODS, pod("p", node="n1"))
    reply = await client.delete(f"{PODS}/p")
    assert reply.body["metadata"]["deletionGracePeriodSeconds"] == 30


async def test_deletecollection_with_selector(client):
    for name, app in (("a", "web"), ("b", "web"), ("c", "db")):
        await client.post(CM, {"metadata": {"name": name, "labels": {"app": app}}})
    reply = await client.delete(CM, params={"labelSelector": "app=web"})
    assert reply.status == 200
    assert sorted(i["metadata"]["name"] for i in reply.body["items"]) == ["a", "b"]
    left = (await client.get(CM)).body["items"]
    assert [i["metadata"]["name"] for i in left] == ["c"]


async def test_namespace_termination(client):
    await client.post("/api/v1/namespaces", {"metadata": {"name": "doomed"}})
    reply = await client.delete("/api/v1/namespaces/doomed")
    assert reply.status == 200
    assert reply.body["status"]["phase"] == "Terminating"
    assert reply.body["spec"]["finalizers"] == ["kubernetes"]
    refused = await client.post("/api/v1/namespaces/doomed/configmaps", {"metadata": {"name": "x"}})
    assert refused.status == 403
    assert refused.body["message"] == (
        'configmaps "x" is forbidden: unable to create new content in namespace doomed '
        "because it is being terminated"
    )
    assert refused.body["details"]["causes"] == [
        {
            "reason": "NamespaceTerminating",
            "message": "namespace doomed is being terminated",
            "field": "metadata.namespace",
        }
    ]
    namespace = reply.body
    namespace["spec"]["finalizers"] = []
    finalized = await client.put("/api/v1/namespaces/doomed/finalize", namespace)
    assert finalized.status == 200
    assert (await client.get("/api/v1/namespaces/doomed")).status == 404


async def test_system_namespaces_cannot_be_deleted(client):
    reply = await client.delete("/api/v1/namespaces/kube-system")
    assert reply.status == 403
    assert reply.body["message"] == (
        'namespaces "kube-system" is forbidden: this namespace may not be deleted'
    )


async def test_missing_namespace_is_404(client):
    reply = await client.post("/api/v1/namespaces/nope/configmaps", {"metadata": {"name": "x"}})
    assert reply.status == 404
    assert reply.body["message"] == 'namespaces "nope" not found'
