"""Server-owned metadata and scope: namespaced vs cluster-scoped paths, generateName, uid,
creationTimestamp, generation, ownerReferences and finalizers, as Kubernetes 1.32 sets and
validates them."""

from __future__ import annotations

import re

CM = "/api/v1/namespaces/default/configmaps"
NODES = "/api/v1/nodes"
DEPLOY = "/apis/apps/v1/namespaces/default/deployments"
NAME_RULE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def deployment(name: str, **meta) -> dict:
    labels = {"app": name}
    return {
        "metadata": {"name": name, **meta},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }


def owner(name: str, uid: str, **extra) -> dict:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": name, "uid": uid, **extra}


# -- scope -------------------------------------------------------------------------------------


async def test_cluster_scoped_objects_have_no_namespace(client):
    reply = await client.post(NODES, {"metadata": {"name": "n1", "namespace": "default"}})
    assert reply.status == 201, reply
    assert "namespace" not in reply.body["metadata"]
    assert (await client.get(f"{NODES}/n1")).body["metadata"]["name"] == "n1"
    assert (await client.get("/api/v1/namespaces/default/nodes/n1")).status == 404
    nested = await client.post("/api/v1/namespaces/default/nodes", {"metadata": {"name": "n2"}})
    assert nested.status == 404


async def test_namespaced_objects_take_the_namespace_of_the_url(client):
    await client.post("/api/v1/namespaces", {"metadata": {"name": "team"}})
    for namespace in ("default", "team"):
        created = await client.post(
            f"/api/v1/namespaces/{namespace}/configmaps", {"metadata": {"name": "same"}}
        )
        assert created.status == 201
        assert created.body["metadata"]["namespace"] == namespace
    everywhere = (await client.get("/api/v1/configmaps")).body["items"]
    assert sorted(i["metadata"]["namespace"] for i in everywhere) == ["default", "team"]
    assert (await client.get("/api/v1/namespaces/team/configmaps/same")).status == 200
    assert (await client.get("/api/v1/configmaps/same")).status == 404


async def test_namespaced_collection_without_namespace_cannot_be_created_in(client):
    reply = await client.post("/api/v1/configmaps", {"metadata": {"name": "x"}})
    assert reply.status == 405
    assert reply.body["reason"] == "MethodNotAllowed"
    assert reply.body["message"] == 'create is not supported on resources of kind "configmaps"'


# -- generateName, uid, creationTimestamp -----------------------------------------------------


async def test_generate_name_is_truncated_to_fit_and_a_given_name_wins(client):
    long = await client.post(CM, {"metadata": {"generateName": "g" * 100}})
    assert long.status == 201
    name = long.body["metadata"]["name"]
    assert len(name) == 63 and name.startswith("g" * 58)
    assert long.body["metadata"]["generateName"] == "g" * 100
    named = await client.post(CM, {"metadata": {"name": "given", "generateName": "gen-"}})
    assert named.body["metadata"]["name"] == "given"


async def test_invalid_generate_name_is_reported_with_the_generated_name(client):
    reply = await client.post(CM, {"metadata": {"generateName": "Bad_"}})
    assert reply.status == 422
    causes = reply.body["details"]["causes"]
    assert [c["field"] for c in causes] == ["metadata.generateName", "metadata.name"]
    assert causes[0]["message"] == f'Invalid value: "Bad_": {NAME_RULE}'
    generated = reply.body["details"]["name"]
    assert re.fullmatch(r"Bad_[a-z0-9]{5}", generated)
    assert causes[1]["message"] == f'Invalid value: "{generated}": {NAME_RULE}'


async def test_uid_and_creation_timestamp_are_the_servers(client):
    forged = {
        "name": "a",
        "uid": "forged",
        "creationTimestamp": "2000-01-01T00:00:00Z",
        "deletionTimestamp": "2000-01-01T00:00:00Z",
    }
    first = (await client.post(CM, {"metadata": forged})).body["metadata"]
    second = (await client.post(CM, {"metadata": {"name": "b"}})).body["metadata"]
    assert first["uid"] != "forged" and first["uid"] != second["uid"]
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first["uid"]
    )
    assert first["creationTimestamp"] != "2000-01-01T00:00:00Z"
    assert "deletionTimestamp" not in first
    patched = await client.patch(f"{CM}/a", {"metadata": {"uid": "other", "labels": {"x": "y"}}})
    assert patched.body["metadata"]["uid"] == first["uid"]
    assert patched.body["metadata"]["creationTimestamp"] == first["creationTimestamp"]


# -- generation --------------------------------------------------------------------------------


async def test_generation_counts_spec_changes_only(client):
    created = (await client.post(DEPLOY, deployment("web", generation=7))).body
    assert created["metadata"]["generation"] == 1
    steps = [
        ({"metadata": {"annotations": {"a": "b"}}}, 1),
        ({"metadata": {"labels": {"tier": "x"}}}, 1),
        ({"spec": {"replicas": 4}}, 2),
        ({"spec": {"replicas": 4}}, 2),  # no change
        ({"spec": {"template": {"metadata": {"annotations": {"r": "1"}}}}}, 3),
    ]
    for body, generation in steps:
        reply = await client.patch(f"{DEPLOY}/web", body)
        assert reply.body["metadata"]["generation"] == generation, body
    status = await client.patch(f"{DEPLOY}/web/status", {"status": {"observedGeneration": 3}})
    assert status.body["metadata"]["generation"] == 3


async def test_generation_bumps_when_a_held_deletion_starts(client):
    await client.post(DEPLOY, deployment("held", finalizers=["example.com/hold"]))
    deleting = await client.delete(f"{DEPLOY}/held")
    assert deleting.body["metadata"]["generation"] == 2
    assert deleting.body["metadata"]["deletionTimestamp"]


async def test_kinds_without_generation_tracking_have_none(client):
    created = (await client.post(CM, {"metadata": {"name": "a"}, "data": {"k": "v"}})).body
    assert "generation" not in created["metadata"]
    changed = await client.patch(f"{CM}/a", {"data": {"k": "w"}})
    assert "generation" not in changed.body["metadata"]


# -- ownerReferences and finalizers ------------------------------------------------------------


async def test_owner_references_are_kept_as_given(client):
    refs = [
        owner("rs-1", "u-1", controller=True, blockOwnerDeletion=True),
        owner("rs-2", "u-2", blockOwnerDeletion=False),
    ]
    created = await client.post(CM, {"metadata": {"name": "owned", "ownerReferences": refs}})
    assert created.status == 201, created
    assert created.body["metadata"]["ownerReferences"] == refs
    got = (await client.get(f"{CM}/owned")).body
    assert got["metadata"]["ownerReferences"] == refs


async def test_owner_reference_fields_are_required(client):
    refs = [{"apiVersion": "", "kind": "", "name": "", "uid": ""}]
    reply = await client.post(CM, {"metadata": {"name": "o", "ownerReferences": refs}})
    assert reply.status == 422
    assert reply.body["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": f'Invalid value: "": {key} must not be empty',
            "field": f"metadata.ownerReferences.{field}",
        }
        for field, key in (
            ("apiVersion", "version"),
            ("kind", "kind"),
            ("name", "name"),
            ("uid", "uid"),
        )
    ]


async def test_one_controller_and_no_event_owner(client):
    refs = [
        owner("a", "u-a", controller=True),
        owner("b", "u-b", controller=True),
        {"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "u-e"},
    ]
    reply = await client.post(CM, {"metadata": {"name": "o", "ownerReferences": refs}})
    assert reply.status == 422
    messages = [c["message"] for c in reply.body["details"]["causes"]]
    assert [c["field"] for c in reply.body["details"]["causes"]] == [
        "metadata.ownerReferences",
        "metadata.ownerReferences",
    ]
    assert messages[0].endswith(
        ': Only one reference can have Controller set to true. Found "true" in references for '
        "ReplicaSet/a and ReplicaSet/b"
    )
    assert messages[1].endswith(": /v1, Kind=Event is disallowed from being an owner")


async def test_owner_reference_types_are_checked(client):
    refs = [owner("a", "u-a", controller="yes")]
    reply = await client.post(CM, {"metadata": {"name": "o", "ownerReferences": refs}})
    assert reply.status == 400
    assert "metadata.ownerReferences[0].controller" in reply.body["message"]


async def test_finalizer_names_are_validated(client):
    bad = await client.post(CM, {"metadata": {"name": "f", "finalizers": ["not valid"]}})
    assert bad.status == 422
    assert bad.body["details"]["causes"][0]["field"] == "metadata.finalizers"
    assert bad.body["details"]["causes"][0]["message"].startswith(
        'Invalid value: "not valid": name part must consist of alphanumeric characters'
    )
    both = await client.post(
        CM, {"metadata": {"name": "f", "finalizers": ["orphan", "foregroundDeletion"]}}
    )
    assert both.status == 422
    assert both.body["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer '
            "orphan and foregroundDeletion cannot be both set",
            "field": "metadata.finalizers",
        }
    ]
    fine = await client.post(CM, {"metadata": {"name": "f", "finalizers": ["example.com/x"]}})
    assert fine.status == 201


async def test_no_finalizer_may_be_added_once_deletion_started(client):
    await client.post(CM, {"metadata": {"name": "d", "finalizers": ["example.com/a"]}})
    await client.delete(f"{CM}/d")
    reply = await client.patch(
        f"{CM}/d", {"metadata": {"finalizers": ["example.com/a", "example.com/b"]}}
    )
    assert reply.status == 422
    assert reply.body["details"]["causes"] == [
        {
            "reason": "FieldValueForbidden",
            "message": "Forbidden: no new finalizers can be added if the object is being "
            'deleted, found new finalizers []string{"example.com/b"}',
            "field": "metadata.finalizers",
        }
    ]
