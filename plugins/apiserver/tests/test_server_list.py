"""LIST: selectors, pages with continue tokens, resourceVersion and resourceVersionMatch."""

from __future__ import annotations

import pytest

CM = "/api/v1/namespaces/default/configmaps"
PODS = "/api/v1/namespaces/default/pods"


async def make(client, name: str, labels: dict | None = None, namespace: str = "default") -> dict:
    body = {"metadata": {"name": name, "labels": labels or {}}, "data": {"n": name}}
    reply = await client.post(f"/api/v1/namespaces/{namespace}/configmaps", body)
    assert reply.status == 201, reply
    return reply.body


def names(reply) -> list[str]:
    return [item["metadata"]["name"] for item in reply.body["items"]]


async def test_list_has_kind_and_the_store_revision(client):
    created = await make(client, "a")
    reply = await client.get(CM)
    assert reply.body["kind"] == "ConfigMapList"
    assert reply.body["apiVersion"] == "v1"
    assert int(reply.body["metadata"]["resourceVersion"]) >= int(
        created["metadata"]["resourceVersion"]
    )


async def test_all_namespaces_list(client):
    await client.post("/api/v1/namespaces", {"metadata": {"name": "other"}})
    await make(client, "a")
    await make(client, "b", namespace="other")
    reply = await client.get("/api/v1/configmaps")
    assert sorted(names(reply)) == ["a", "b"]
    assert sorted(names(await client.get(CM))) == ["a"]


async def test_label_selectors(client):
    await make(client, "a", {"app": "web", "tier": "front"})
    await make(client, "b", {"app": "web"})
    await make(client, "c", {"app": "db"})
    cases = {
        "app=web": ["a", "b"],
        "app!=web": ["c"],
        "app in (db,cache)": ["c"],
        "app notin (db)": ["a", "b"],
        "tier": ["a"],
        "!tier": ["b", "c"],
        "app=web,tier=front": ["a"],
    }
    for selector, expected in cases.items():
        reply = await client.get(CM, params={"labelSelector": selector})
        assert names(reply) == expected, selector


async def test_field_selectors_and_unsupported_labels(client):
    await make(client, "a")
    await make(client, "b")
    assert names(await client.get(CM, params={"fieldSelector": "metadata.name=b"})) == ["b"]
    assert names(await client.get(CM, params={"fieldSelector": "metadata.name!=b"})) == ["a"]
    reply = await client.get(CM, params={"fieldSelector": "data.n=a"})
    assert reply.status == 400
    assert reply.body["message"] == "field label not supported: data.n"


async def test_pod_field_selectors(client):
    for name, node in (("p1", "n1"), ("p2", "")):
        spec = {"containers": [{"name": "c", "image": "busybox"}]}
        if node:
            spec["nodeName"] = node
        assert (await client.post(PODS, {"metadata": {"name": name}, "spec": spec})).status == 201
    assert names(await client.get(PODS, params={"fieldSelector": "spec.nodeName=n1"})) == ["p1"]
    assert names(await client.get(PODS, params={"fieldSelector": "spec.nodeName="})) == ["p2"]
    phase = "status.phase!=Succeeded,status.phase!=Failed"
    assert names(await client.get(PODS, params={"fieldSelector": phase})) == ["p1", "p2"]


async def test_limit_and_continue_read_one_snapshot(client):
    for name in ("a", "b", "c", "d", "e"):
        await make(client, name)
    first = await client.get(CM, params={"limit": "2"})
    assert names(first) == ["a", "b"]
    token = first.body["metadata"]["continue"]
    assert first.body["metadata"]["remainingItemCount"] == 3
    await make(client, "bb")  # created after the first page: not in this list
    await client.delete(f"{CM}/c")  # deleted after the first page: still in this list
    second = await client.get(CM, params={"limit": "2", "continue": token})
    assert names(second) == ["c", "d"]
    assert second.body["metadata"]["resourceVersion"] == first.body["metadata"]["resourceVersion"]
    third = await client.get(
        CM, params={"limit": "2", "continue": second.body["metadata"]["continue"]}
    )
    assert names(third) == ["e"]
    assert "continue" not in third.body["metadata"]


async def test_limit_with_selector_fills_pages(client):
    for index in range(6):
        await make(client, f"x{index}", {"keep": "yes" if index % 2 else "no"})
    first = await client.get(CM, params={"limit": "2", "labelSelector": "keep=yes"})
    assert names(first) == ["x1", "x3"]
    rest = await client.get(
        CM,
        params={
            "limit": "2",
            "labelSelector": "keep=yes",
            "continue": first.body["metadata"]["continue"],
        },
    )
    assert names(rest) == ["x5"]


async def test_expired_continue_token_is_410_with_inconsistent_token(client, apiserver):
    for name in ("a", "b", "c"):
        await make(client, name)
    first = await client.get(CM, params={"limit": "1"})
    await make(client, "z")
    await apiserver.storage.compact(await apiserver.storage.current_revision())
    reply = await client.get(
        CM, params={"limit": "1", "continue": first.body["metadata"]["continue"]}
    )
    assert reply.status == 410
    assert reply.body["reason"] == "Expired"
    assert reply.body["message"].startswith(
        "The provided continue parameter is too old to display a consistent list result."
    )
    inconsistent = reply.body["metadata"]["continue"]
    rest = await client.get(CM, params={"continue": inconsistent})
    assert names(rest) == ["b", "c", "z"]


async def test_garbage_continue_token_is_400(client):
    reply = await client.get(CM, params={"continue": "not-a-token"})
    assert reply.status == 400


async def test_resource_version_match_exact_reads_the_past(client, apiserver):
    created = await make(client, "a")
    past = created["metadata"]["resourceVersion"]
    await make(client, "b")
    exact = await client.get(CM, params={"resourceVersion": past, "resourceVersionMatch": "Exact"})
    assert names(exact) == ["a"]
    assert exact.body["metadata"]["resourceVersion"] == past
    newer = await client.get(
        CM, params={"resourceVersion": past, "resourceVersionMatch": "NotOlderThan"}
    )
    assert names(newer) == ["a", "b"]
    any_version = await client.get(CM, params={"resourceVersion": "0"})
    assert names(any_version) == ["a", "b"]
    await apiserver.storage.compact(await apiserver.storage.current_revision())
    gone = await client.get(CM, params={"resourceVersion": past, "resourceVersionMatch": "Exact"})
    assert gone.status == 410
    assert gone.body["message"] == "The resourceVersion for the provided list is too old."


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"resourceVersionMatch": "Exact"},
            "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
            "resourceVersion is provided",
        ),
        (
            {"resourceVersion": "0", "resourceVersionMatch": "Exact"},
            'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for '
            'resourceVersion "0"',
        ),
        (
            {"resourceVersion": "1", "resourceVersionMatch": "Sometimes"},
            'resourceVersionMatch: Unsupported value: "Sometimes": supported values: "Exact", '
            '"NotOlderThan"',
        ),
    ],
)
async def test_invalid_list_options_are_422(client, params, message):
    reply = await client.get(CM, params=params)
    assert reply.status == 422
    assert reply.body["message"] == f'ListOptions.meta.k8s.io "" is invalid: {message}'


async def test_too_large_resource_version_times_out_with_504(client):
    reply = await client.get(CM, params={"resourceVersion": "999999"})
    assert reply.status == 504
    assert reply.body["reason"] == "Timeout"
    assert reply.body["message"].startswith("Too large resource version: 999999, current: ")
    assert reply.body["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge"


async def test_bad_resource_version_is_400(client):
    assert (await client.get(CM, params={"resourceVersion": "abc"})).status == 400
