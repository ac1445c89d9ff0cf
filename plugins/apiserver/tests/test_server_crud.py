"""Create, read, update and delete over HTTP: server metadata, Status errors, concurrency."""

from __future__ import annotations

import re

CM = "/api/v1/namespaces/default/configmaps"
DEPLOY = "/apis/apps/v1/namespaces/default/deployments"


def configmap(name: str, **data: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def deployment(name: str, image: str = "nginx:1.25", replicas: int = 1) -> dict:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "main", "image": image}]},
            },
        },
    }


async def test_create_sets_server_metadata(client):
    reply = await client.post(CM, configmap("a", x="1"))
    assert reply.status == 201, reply
    meta = reply.body["metadata"]
    assert re.fullmatch(r"[0-9a-f-]{36}", meta["uid"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["creationTimestamp"])
    assert meta["namespace"] == "default"
    assert int(meta["resourceVersion"]) > 0
    got = await client.get(f"{CM}/a")
    assert got.status == 200
    assert got.body["metadata"]["resourceVersion"] == meta["resourceVersion"]
    assert got.body["data"] == {"x": "1"}


async def test_create_twice_is_already_exists(client):
    await client.post(CM, configmap("a"))
    reply = await client.post(CM, configmap("a"))
    assert reply.status == 409
    assert reply.body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'configmaps "a" already exists',
        "reason": "AlreadyExists",
        "details": {"name": "a", "kind": "configmaps"},
        "code": 409,
    }


async def test_not_found_names_group_resource(client):
    reply = await client.get(f"{DEPLOY}/missing")
    assert reply.status == 404
    assert reply.body["message"] == 'deployments.apps "missing" not found'
    assert reply.body["details"] == {"name": "missing", "group": "apps", "kind": "deployments"}


async def test_generate_name_appends_five_characters(client):
    body = {"metadata": {"generateName": "web-"}, "data": {}}
    reply = await client.post(CM, body)
    assert reply.status == 201
    assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", reply.body["metadata"]["name"])


async def test_missing_name_is_invalid(client):
    reply = await client.post(CM, {"metadata": {}})
    assert reply.status == 422
    assert reply.body["message"] == (
        'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required'
    )


async def test_unknown_paths_are_404_status(client):
    for path in ("/api/v1/widgets", "/apis/nope/v1/things", "/nothing/here"):
        reply = await client.get(path)
        assert reply.status == 404, path
        assert reply.body["kind"] == "Status"
        assert reply.body["message"] == "the server could not find the requested resource"


async def test_cluster_scoped_and_namespaced_paths(client):
    assert (await client.get("/api/v1/namespaces/default/nodes")).status == 404
    assert (await client.get("/api/v1/pods/x")).status == 404
    listed = await client.get("/api/v1/configmaps")
    assert listed.status == 200 and listed.body["kind"] == "ConfigMapList"


async def test_put_replaces_and_stale_version_conflicts(client):
    created = (await client.post(CM, configmap("a", x="1"))).body
    first_rv = created["metadata"]["resourceVersion"]
    created["data"] = {"x": "2"}
    updated = await client.put(f"{CM}/a", created)
    assert updated.status == 200
    assert int(updated.body["metadata"]["resourceVersion"]) > int(first_rv)
    created["metadata"]["resourceVersion"] = first_rv
    created["data"] = {"x": "3"}
    stale = await client.put(f"{CM}/a", created)
    assert stale.status == 409
    assert stale.body["reason"] == "Conflict"
    assert stale.body["message"] == (
        'Operation cannot be fulfilled on configmaps "a": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    assert (await client.get(f"{CM}/a")).body["data"] == {"x": "2"}


async def test_put_without_resource_version_is_unconditional(client):
    await client.post(CM, configmap("a", x="1"))
    reply = await client.put(f"{CM}/a", configmap("a", x="9"))
    assert reply.status == 200
    assert reply.body["data"] == {"x": "9"}


async def test_put_keeps_server_owned_metadata(client):
    created = (await client.post(CM, configmap("a"))).body
    body = configmap("a", y="2")
    body["metadata"]["uid"] = "forged"
    body["metadata"]["creationTimestamp"] = "2000-01-01T00:00:00Z"
    reply = await client.put(f"{CM}/a", body)
    assert reply.body["metadata"]["uid"] == created["metadata"]["uid"]
    assert reply.body["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]


async def test_unchanged_put_writes_nothing(client):
    created = (await client.post(CM, configmap("a", x="1"))).body
    reply = await client.put(f"{CM}/a", created)
    assert reply.body["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


async def test_name_mismatch_and_namespace_mismatch_are_bad_requests(client):
    await client.post(CM, configmap("a"))
    reply = await client.put(f"{CM}/a", configmap("b"))
    assert reply.status == 400
    assert reply.body["message"] == (
        "the name of the object (b) does not match the name on the URL (a)"
    )
    body = configmap("c")
    body["metadata"]["namespace"] = "kube-system"
    reply = await client.post(CM, body)
    assert reply.status == 400
    assert reply.body["message"] == (
        "the namespace of the provided object does not match the namespace sent on the request"
    )


async def test_kind_and_api_version_must_match_url(client):
    reply = await client.post(CM, {**configmap("a"), "apiVersion": "apps/v1"})
    assert reply.status == 400
    assert reply.body["message"] == (
        "the API version in the data (apps/v1) does not match the expected API version (v1)"
    )
    reply = await client.post(CM, {**configmap("a"), "kind": "Secret"})
    assert reply.status == 400
    assert "kind" in reply.body["message"]


async def test_generation_bumps_only_on_spec_change(client):
    created = (await client.post(DEPLOY, deployment("web"))).body
    assert created["metadata"]["generation"] == 1
    labelled = await client.patch(f"{DEPLOY}/web", {"metadata": {"labels": {"a": "b"}}})
    assert labelled.body["metadata"]["generation"] == 1
    scaled = await client.patch(f"{DEPLOY}/web", {"spec": {"replicas": 3}})
    assert scaled.body["metadata"]["generation"] == 2


async def test_main_resource_write_ignores_status_and_status_write_only_status(client):
    created = (await client.post(DEPLOY, deployment("web"))).body
    created["status"] = {"replicas": 7}
    created["spec"]["replicas"] = 2
    updated = (await client.put(f"{DEPLOY}/web", created)).body
    assert updated["spec"]["replicas"] == 2
    assert "replicas" not in updated.get("status", {})
    updated["status"] = {"replicas": 5, "observedGeneration": 2}
    updated["spec"]["replicas"] = 9
    status = await client.put(f"{DEPLOY}/web/status", updated)
    assert status.status == 200, status
    assert status.body["status"]["replicas"] == 5
    assert status.body["spec"]["replicas"] == 2
    assert status.body["metadata"]["generation"] == 2
    patched = await client.patch(f"{DEPLOY}/web/status", {"status": {"readyReplicas": 1}})
    assert patched.body["status"] == {"replicas": 5, "observedGeneration": 2, "readyReplicas": 1}


async def test_dry_run_stores_nothing(client):
    reply = await client.post(CM, configmap("a"), params={"dryRun": "All"})
    assert reply.status == 201
    assert reply.body["metadata"]["uid"]
    assert (await client.get(f"{CM}/a")).status == 404
    await client.post(CM, configmap("b", x="1"))
    patched = await client.patch(f"{CM}/b", {"data": {"x": "2"}}, params={"dryRun": "All"})
    assert patched.body["data"] == {"x": "2"}
    assert (await client.get(f"{CM}/b")).body["data"] == {"x": "1"}
    deleted = await client.delete(f"{CM}/b", params={"dryRun": "All"})
    assert deleted.status == 200
    assert (await client.get(f"{CM}/b")).status == 200
    bad = await client.post(CM, configmap("c"), params={"dryRun": "Some"})
    assert bad.status == 422


async def test_default_namespaces_and_kubernetes_service_exist(client, apiserver):
    names = [n["metadata"]["name"] for n in (await client.get("/api/v1/namespaces")).body["items"]]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]
    service = (await client.get("/api/v1/namespaces/default/services/kubernetes")).body
    assert service["spec"]["clusterIP"] == "10.96.0.1"
    assert service["spec"]["ports"] == [
        {"name": "https", "port": 443, "protocol": "TCP", "targetPort": apiserver.port}
    ]


async def test_health_and_version(client):
    assert (await client.get("/healthz")).text == "ok"
    for path in ("/version", "/version/"):
        version = (await client.get(path)).body
        assert (version["major"], version["minor"]) == ("1", "32")


async def test_verbs_not_served_are_405(client):
    reply = await client.delete("/api/v1/namespaces")
    assert reply.status == 405
    assert reply.body["reason"] == "MethodNotAllowed"
    reply = await client.get("/api/v1/namespaces/default/pods/x/exec")
    assert reply.status == 404


async def test_unexpected_failure_is_a_500_status(client, apiserver, monkeypatch, caplog):
    async def broken(key, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(apiserver.storage, "get", broken)
    reply = await client.get(f"{CM}/a")
    assert reply.status == 500
    assert reply.body["reason"] == "InternalError"
    assert reply.body["message"] == "Internal error occurred: RuntimeError: disk on fire"
    assert "disk on fire" in caplog.text


async def test_a_deployment_status_write_keeps_its_annotations_but_not_its_labels(client):
    created = (await client.post(DEPLOY, deployment("web"))).body
    created["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "2"}
    created["metadata"]["labels"] = {"changed": "by-status"}
    created["status"] = {"observedGeneration": 1}
    written = await client.put(f"{DEPLOY}/web/status", created)
    assert written.status == 200, written
    metadata = written.body["metadata"]
    assert metadata["annotations"] == {"deployment.kubernetes.io/revision": "2"}
    assert metadata.get("labels") != {"changed": "by-status"}
    stored = (await client.get(f"{DEPLOY}/web")).body
    assert stored["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "2"}
