"""The garbage collector: ``kubectl delete --cascade=background|foreground|orphan`` on an
owner chain Deployment -> ReplicaSet -> Pods (built by hand: no workload controllers run),
dangling references and dependents with several owners."""

from __future__ import annotations

import json

import pytest
from microkube_controllers.lifecycle.garbagecollector.ownership import (
    OwnerState,
    decide,
    owner_state,
)

from microkube.client.errors import NotFoundError

NS = "default"


def _ref(obj: dict, block: bool = True, controller: bool = True) -> dict:
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
        "controller": controller,
        "blockOwnerDeletion": block,
    }


async def _chain(client, name: str, pods: int = 2) -> tuple[dict, dict, list[dict]]:
    labels = {"app": name}
    template = {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    deployment = await client.create(
        "deployments",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name},
            "spec": {"replicas": pods, "selector": {"matchLabels": labels}, "template": template},
        },
        NS,
    )
    deployment.setdefault("apiVersion", "apps/v1")
    deployment.setdefault("kind", "Deployment")
    replicaset = await client.create(
        "replicasets",
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": f"{name}-rs", "ownerReferences": [_ref(deployment)]},
            "spec": {"replicas": pods, "selector": {"matchLabels": labels}, "template": template},
        },
        NS,
    )
    replicaset.setdefault("apiVersion", "apps/v1")
    replicaset.setdefault("kind", "ReplicaSet")
    created = []
    for i in range(pods):
        created.append(
            await client.create(
                "pods",
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "name": f"{name}-pod-{i}",
                        "labels": labels,
                        "ownerReferences": [_ref(replicaset)],
                    },
                    "spec": template["spec"],
                },
                NS,
            )
        )
    return deployment, replicaset, created


async def _absent(client, resource: str, name: str) -> bool:
    try:
        await client.get(resource, name, NS)
    except NotFoundError:
        return True
    return False


def test_a_dependent_with_a_solid_owner_only_loses_references_to_gone_owners():
    alive = {"apiVersion": "v1", "kind": "ConfigMap", "name": "a", "uid": "1"}
    gone = {"apiVersion": "v1", "kind": "ConfigMap", "name": "b", "uid": "2"}
    dependent = {"metadata": {"name": "d", "ownerReferences": [alive, gone]}}
    decision = decide(
        dependent, [(alive, OwnerState.SOLID), (gone, OwnerState.DANGLING)], has_dependents=False
    )
    assert not decision.delete
    assert decision.references == (alive,)


def test_a_dependent_without_owners_left_is_deleted_with_its_own_policy():
    gone = {"apiVersion": "v1", "kind": "ConfigMap", "name": "b", "uid": "2"}
    dependent = {"metadata": {"name": "d", "ownerReferences": [gone], "finalizers": ["orphan"]}}
    decision = decide(dependent, [(gone, OwnerState.DANGLING)], has_dependents=True)
    assert (decision.delete, decision.policy) == (True, "Orphan")


def test_a_blocking_dependent_with_dependents_is_deleted_in_the_foreground():
    owner = {"apiVersion": "v1", "kind": "ConfigMap", "name": "o", "uid": "1"}
    owner["blockOwnerDeletion"] = True
    dependent = {"metadata": {"name": "d", "ownerReferences": [owner]}}
    decision = decide(dependent, [(owner, OwnerState.WAITING)], has_dependents=True)
    assert (decision.delete, decision.policy) == (True, "Foreground")
    assert not decision.patch_references
    # a dependent of it deleting its own dependents: unblock first, to break a cycle
    cycle = decide(dependent, [(owner, OwnerState.WAITING)], True, cycle_risk=True)
    assert cycle.patch_references and cycle.references[0]["blockOwnerDeletion"] is False


def test_owner_state_needs_the_same_uid():
    ref = {"uid": "1"}
    assert owner_state(ref, None) is OwnerState.DANGLING
    assert owner_state(ref, {"metadata": {"uid": "other"}}) is OwnerState.DANGLING
    assert owner_state(ref, {"metadata": {"uid": "1"}}) is OwnerState.SOLID
    deleting = {
        "metadata": {
            "uid": "1",
            "deletionTimestamp": "2024-01-01T00:00:00Z",
            "finalizers": ["foregroundDeletion"],
        }
    }
    assert owner_state(ref, deleting) is OwnerState.WAITING


@pytest.mark.parametrize("cascade", ["background", "foreground"])
async def test_kubectl_cascading_delete_removes_the_whole_chain(
    lifecycle_controllers, poll_until, cascade
):
    cluster, client = await lifecycle_controllers("garbagecollector")
    _, _replicaset, pods = await _chain(client, "web")
    await cluster.kubectl(
        "delete",
        "deployment",
        "web",
        f"--cascade={cascade}",
        "-n",
        NS,
        "--timeout=60s",
        seconds=90,
    )
    if cascade == "foreground":
        # kubectl waited for the deployment, which went only after its dependents
        assert await _absent(client, "replicasets", "web-rs")
        assert all([await _absent(client, "pods", p["metadata"]["name"]) for p in pods])

    async def all_gone():
        names = [("replicasets", "web-rs")] + [("pods", p["metadata"]["name"]) for p in pods]
        return all([await _absent(client, resource, name) for resource, name in names])

    await poll_until(all_gone)
    assert await _absent(client, "deployments", "web")


async def test_kubectl_orphan_delete_keeps_dependents_without_the_reference(
    lifecycle_controllers, poll_until
):
    cluster, client = await lifecycle_controllers("garbagecollector")
    _deployment, replicaset, pods = await _chain(client, "keep")
    await cluster.kubectl(
        "delete",
        "deployment",
        "keep",
        "--cascade=orphan",
        "-n",
        NS,
        "--timeout=60s",
        seconds=90,
    )
    assert await _absent(client, "deployments", "keep")
    kept = await client.get("replicasets", "keep-rs", NS)
    assert not kept["metadata"].get("ownerReferences")
    for pod in pods:
        still = await client.get("pods", pod["metadata"]["name"], NS)
        assert [r["uid"] for r in still["metadata"]["ownerReferences"]] == [
            replicaset["metadata"]["uid"]
        ]


async def test_dangling_references_are_collected_and_shared_dependents_wait_for_all(
    lifecycle_controllers, poll_until
):
    cluster, client = await lifecycle_controllers("garbagecollector")
    first = await client.create("configmaps", {"metadata": {"name": "owner-a"}}, NS)
    second = await client.create("configmaps", {"metadata": {"name": "owner-b"}}, NS)
    for owner in (first, second):
        owner.update(apiVersion="v1", kind="ConfigMap")
    shared = await client.create(
        "configmaps",
        {
            "metadata": {
                "name": "shared",
                "ownerReferences": [_ref(first), _ref(second, controller=False)],
            }
        },
        NS,
    )
    ghost = {"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost", "uid": "0000-gone"}
    await client.create(
        "configmaps", {"metadata": {"name": "dangling", "ownerReferences": [ghost]}}, NS
    )
    await poll_until(lambda: _absent(client, "configmaps", "dangling"))

    await cluster.kubectl("delete", "configmap", "owner-a", "-n", NS)

    async def references_pruned():
        current = await client.get("configmaps", "shared", NS)
        refs = [r["uid"] for r in current["metadata"].get("ownerReferences") or ()]
        return refs == [second["metadata"]["uid"]]

    await poll_until(references_pruned)
    assert (await client.get("configmaps", "shared", NS))["metadata"]["uid"] == shared["metadata"][
        "uid"
    ]
    await cluster.kubectl("delete", "configmap", "owner-b", "-n", NS)
    await poll_until(lambda: _absent(client, "configmaps", "shared"))


async def test_a_cluster_scoped_dependent_of_a_namespaced_owner_is_kept_and_reported(
    lifecycle_controllers, poll_until
):
    cluster, client = await lifecycle_controllers("garbagecollector")
    ghost = {"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost", "uid": "0000-ghost"}
    await client.create(
        "clusterroles",
        {"metadata": {"name": "misowned", "ownerReferences": [ghost]}, "rules": []},
    )

    async def reported():
        result = await cluster.kubectl(
            "get",
            "events",
            "-A",
            "--field-selector=reason=OwnerRefInvalidNamespace",
            "-o",
            "json",
        )
        return json.loads(result.stdout)["items"]

    events = await poll_until(reported)
    assert events[0]["involvedObject"]["name"] == "misowned"
    assert events[0]["type"] == "Warning"
    assert (await client.get("clusterroles", "misowned"))["metadata"]["name"] == "misowned"
