"""Subresources: scale, pods/binding, pods/eviction; discovery lists only what is served."""

from __future__ import annotations

DEPLOY = "/apis/apps/v1/namespaces/default/deployments"
PODS = "/api/v1/namespaces/default/pods"


async def make_deployment(client) -> dict:
    body = {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }
    return (await client.post(DEPLOY, body)).body


async def test_scale_get_put_patch(client):
    created = await make_deployment(client)
    scale = (await client.get(f"{DEPLOY}/web/scale")).body
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 2}
    assert scale["status"] == {"replicas": 0, "selector": "app=web"}
    assert scale["metadata"]["uid"] == created["metadata"]["uid"]
    patched = await client.patch(f"{DEPLOY}/web/scale", {"spec": {"replicas": 5}})
    assert patched.body["spec"]["replicas"] == 5
    scale = patched.body
    scale["spec"]["replicas"] = 3
    put = await client.put(f"{DEPLOY}/web/scale", scale)
    assert put.body["spec"]["replicas"] == 3
    deployment = (await client.get(f"{DEPLOY}/web")).body
    assert deployment["spec"]["replicas"] == 3
    assert deployment["metadata"]["generation"] == 3
    negative = await client.patch(f"{DEPLOY}/web/scale", {"spec": {"replicas": -1}})
    assert negative.status == 422


async def test_binding_sets_node_once(client):
    await client.post(
        PODS, {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
    )
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "p"},
        "target": {"kind": "Node", "name": "node1"},
    }
    reply = await client.post(f"{PODS}/p/binding", binding)
    assert reply.status == 201
    assert reply.body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    pod = (await client.get(f"{PODS}/p")).body
    assert pod["spec"]["nodeName"] == "node1"
    assert pod["status"]["conditions"][0]["type"] == "PodScheduled"
    again = await client.post(f"{PODS}/p/binding", binding)
    assert again.status == 409
    assert again.body["message"] == (
        'Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node '
        '"node1"'
    )


async def test_eviction_deletes_gracefully(client):
    await client.post(
        PODS,
        {
            "metadata": {"name": "p"},
            "spec": {"nodeName": "n", "containers": [{"name": "c", "image": "i"}]},
        },
    )
    eviction = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "p", "namespace": "default"},
        "deleteOptions": {},
    }
    reply = await client.post(f"{PODS}/p/eviction", eviction)
    assert reply.status == 201
    pod = (await client.get(f"{PODS}/p")).body
    assert pod["metadata"]["deletionGracePeriodSeconds"] == 30


async def test_discovery_lists_only_served_subresources(client):
    resources = (await client.get("/api/v1")).body["resources"]
    names = {r["name"] for r in resources}
    assert {"pods/binding", "pods/eviction", "pods/status", "namespaces/finalize"} <= names
    assert {"pods/exec", "pods/log", "pods/attach", "pods/portforward"} <= names
    assert "serviceaccounts/token" in names


async def test_table_get_and_list(client):
    await make_deployment(client)
    accept = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}
    table = (await client.get(DEPLOY, headers=accept)).body
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]][:5] == [
        "Name",
        "Ready",
        "Up-to-date",
        "Available",
        "Age",
    ]
    assert table["rows"][0]["cells"][:4] == ["web", "0/2", 0, 0]
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    one = (await client.get(f"{DEPLOY}/web", headers=accept)).body
    assert one["kind"] == "Table" and len(one["rows"]) == 1
