"""PATCH: JSON patch, merge patch, strategic merge patch and server-side apply, by Content-Type;
managed fields; conditional patches."""

from __future__ import annotations

DEPLOY = "/apis/apps/v1/namespaces/default/deployments"
CM = "/api/v1/namespaces/default/configmaps"


def deployment(env: list[dict]) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "main", "image": "nginx:1.25", "env": env}]},
            },
        },
    }


async def test_three_patch_types(client):
    await client.post(CM, {"metadata": {"name": "a"}, "data": {"x": "1", "y": "2"}})
    merged = await client.patch(f"{CM}/a", {"data": {"x": None, "z": "3"}}, "merge")
    assert merged.body["data"] == {"y": "2", "z": "3"}
    jsonpatched = await client.patch(
        f"{CM}/a", [{"op": "replace", "path": "/data/y", "value": "9"}], "json"
    )
    assert jsonpatched.body["data"] == {"y": "9", "z": "3"}
    failed = await client.patch(
        f"{CM}/a", [{"op": "test", "path": "/data/y", "value": "0"}], "json"
    )
    assert failed.status == 422
    strategic = await client.patch(f"{CM}/a", {"data": {"w": "4"}}, "strategic")
    assert strategic.body["data"] == {"w": "4", "y": "9", "z": "3"}


async def test_strategic_merge_merges_containers_by_name(client):
    await client.post(
        DEPLOY, deployment([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
    )
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "main"}],
                    "containers": [
                        {
                            "$setElementOrder/env": [{"name": "A"}],
                            "env": [{"$patch": "delete", "name": "B"}],
                            "image": "nginx:1.26",
                            "name": "main",
                        }
                    ],
                }
            }
        }
    }
    reply = await client.patch(f"{DEPLOY}/web", patch, "strategic")
    assert reply.status == 200, reply
    container = reply.body["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.26"
    assert container["env"] == [{"name": "A", "value": "1"}]
    assert reply.body["metadata"]["generation"] == 2


async def test_unsupported_patch_type_is_415(client):
    await client.post(CM, {"metadata": {"name": "a"}})
    reply = await client.request("PATCH", f"{CM}/a", {"data": {}}, content_type="application/json")
    assert reply.status == 415


async def test_malformed_patch_is_400(client):
    await client.post(CM, {"metadata": {"name": "a"}})
    reply = await client.request(
        "PATCH", f"{CM}/a", data=b"{", content_type="application/merge-patch+json"
    )
    assert reply.status == 400


async def test_patch_with_stale_resource_version_conflicts(client):
    created = (await client.post(CM, {"metadata": {"name": "a"}})).body
    await client.patch(f"{CM}/a", {"data": {"x": "1"}})
    stale = {
        "metadata": {"resourceVersion": created["metadata"]["resourceVersion"]},
        "data": {"x": "2"},
    }
    reply = await client.patch(f"{CM}/a", stale)
    assert reply.status == 409


async def test_server_side_apply_creates_then_updates_and_prunes(client):
    params = {"fieldManager": "kubectl", "fieldValidation": "Strict"}
    first = await client.patch(
        f"{DEPLOY}/web",
        deployment([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]),
        "apply",
        params=params,
    )
    assert first.status == 201, first
    managers = [m["manager"] for m in first.body["metadata"]["managedFields"]]
    assert managers == ["kubectl"]
    second = await client.patch(
        f"{DEPLOY}/web", deployment([{"name": "A", "value": "1"}]), "apply", params=params
    )
    assert second.status == 200
    env = second.body["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "A", "value": "1"}]


async def test_apply_requires_field_manager(client):
    reply = await client.patch(f"{DEPLOY}/web", deployment([]), "apply")
    assert reply.status == 422
    assert reply.body["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for '
        "apply patch"
    )


async def test_apply_conflict_with_another_manager(client):
    params = {"fieldManager": "one"}
    await client.patch(
        f"{CM}/a",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "1"}},
        "apply",
        params=params,
    )
    reply = await client.patch(
        f"{CM}/a",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "2"}},
        "apply",
        params={"fieldManager": "two"},
    )
    assert reply.status == 409
    assert reply.body["message"] == 'Apply failed with 1 conflict: conflict with "one": .data.k'
    forced = await client.patch(
        f"{CM}/a",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "2"}},
        "apply",
        params={"fieldManager": "two", "force": "true"},
    )
    assert forced.status == 200
    assert forced.body["data"] == {"k": "2"}


async def test_updates_record_managed_fields(client):
    created = await client.post(
        CM, {"metadata": {"name": "a"}, "data": {"x": "1"}}, params={"fieldManager": "tester"}
    )
    entry = created.body["metadata"]["managedFields"][0]
    assert (entry["manager"], entry["operation"]) == ("tester", "Update")
    assert entry["fieldsV1"] == {"f:data": {".": {}, "f:x": {}}}
