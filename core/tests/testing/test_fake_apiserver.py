"""The fake API server's own semantics: discovery, Status bodies, selectors, patches, history,
auth and the test hooks (error injection, recording, dropping watches)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from microkube.client import ApiClient, BadRequestError, ExpiredError, TransportError
from microkube.client.http import HttpClient
from microkube.selectors import SelectorError, field_matcher, label_matcher
from microkube.testing.fake_apiserver import FakeApiServer


@pytest.fixture
async def server() -> AsyncIterator[FakeApiServer]:
    async with FakeApiServer(token="t", history=5) as srv:
        yield srv


@pytest.fixture
async def http(server: FakeApiServer) -> AsyncIterator[HttpClient]:
    client = HttpClient(server.url, headers={"Authorization": "Bearer t"})
    yield client
    await client.close()


@pytest.fixture
async def api(server: FakeApiServer) -> AsyncIterator[ApiClient]:
    async with server.api_client() as client:
        yield client


async def get_json(http: HttpClient, path: str) -> tuple[int, dict]:
    response = await http.request("GET", path)
    return response.status, response.json()


async def test_discovery_documents(http: HttpClient) -> None:
    status, version = await get_json(http, "/version/")
    assert status == 200 and (version["major"], version["minor"]) == ("1", "32")
    assert (await get_json(http, "/api"))[1]["versions"] == ["v1"]
    groups = {g["name"]: g for g in (await get_json(http, "/apis"))[1]["groups"]}
    assert groups["apps"]["preferredVersion"]["groupVersion"] == "apps/v1"
    assert {"batch", "coordination.k8s.io", "discovery.k8s.io", "policy"} <= set(groups)
    core = {r["name"]: r for r in (await get_json(http, "/api/v1"))[1]["resources"]}
    assert core["pods"]["shortNames"] == ["po"] and core["pods"]["namespaced"] is True
    assert (
        core["pods/eviction"]["group"] == "policy" and core["pods/eviction"]["kind"] == "Eviction"
    )
    assert core["nodes"]["namespaced"] is False
    apps = {r["name"]: r for r in (await get_json(http, "/apis/apps/v1"))[1]["resources"]}
    assert (apps["deployments/scale"]["kind"], apps["deployments/scale"]["group"]) == (
        "Scale",
        "autoscaling",
    )
    assert (await http.request("GET", "/healthz")).status == 200


async def test_status_bodies_for_unknown_paths_and_methods(http: HttpClient) -> None:
    status, body = await get_json(http, "/apis/nope/v1/things")
    assert status == 404
    assert body["kind"] == "Status" and body["reason"] == "NotFound" and body["code"] == 404
    response = await http.request("POST", "/api/v1/namespaces/default/pods/x")
    assert response.status == 405 and response.json()["reason"] == "MethodNotAllowed"
    response = await http.request(
        "POST", "/api/v1/namespaces/default/configmaps", body=b"{not json"
    )
    assert response.status == 400 and response.json()["reason"] == "BadRequest"


async def test_authentication_and_recording(server: FakeApiServer) -> None:
    anonymous = HttpClient(server.url)
    try:
        response = await anonymous.request("GET", "/api/v1/namespaces", query={"limit": 1})
    finally:
        await anonymous.close()
    assert response.status == 401 and response.json()["reason"] == "Unauthorized"
    recorded = server.requests[-1]
    assert (recorded.method, recorded.path, recorded.query) == (
        "GET",
        "/api/v1/namespaces",
        {"limit": "1"},
    )
    assert "authorization" not in recorded.headers


async def test_fail_next_counts_and_matches_prefixes(
    http: HttpClient, server: FakeApiServer
) -> None:
    server.fail_next("*", "/api/v1/namespaces/default/pods", 503, times=2, retry_after=3)
    first = await http.request("GET", "/api/v1/namespaces/default/pods/x")
    assert first.status == 503 and first.headers.get("Retry-After") == "3"
    assert first.json()["reason"] == "ServiceUnavailable"
    assert (await http.request("GET", "/api/v1/namespaces/default/configmaps")).status == 200
    assert (await http.request("DELETE", "/api/v1/namespaces/default/pods/x")).status == 503
    assert (await http.request("GET", "/api/v1/namespaces/default/pods/x")).status == 404


async def test_create_checks(api: ApiClient, server: FakeApiServer) -> None:
    with pytest.raises(BadRequestError, match="do not match"):
        await api.create("configmaps", {"kind": "Secret", "metadata": {"name": "x"}})
    with pytest.raises(BadRequestError, match="namespace of the provided object"):
        await api.create("configmaps", {"metadata": {"name": "x", "namespace": "a"}}, "default")
    dry = await api.create("configmaps", {"metadata": {"name": "x"}}, dry_run=True)
    assert dry["metadata"]["uid"] and server.get_object("configmaps", "x") is None


async def test_writes_bump_versions_only_when_something_changes(api: ApiClient) -> None:
    body = {"metadata": {"name": "d"}, "spec": {"replicas": 1, "selector": {}}}
    created = await api.create("deployments", body)
    same = await api.replace("deployments", created)
    assert same["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    labelled = await api.patch("deployments", "d", {"metadata": {"labels": {"a": "b"}}})
    assert labelled["metadata"]["generation"] == 1
    assert labelled["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]
    scaled = await api.patch("deployments", "d", {"spec": {"replicas": 2}})
    assert scaled["metadata"]["generation"] == 2
    assert scaled["metadata"]["uid"] == created["metadata"]["uid"]


async def test_watch_history_is_bounded(api: ApiClient, server: FakeApiServer) -> None:
    start = server.resource_version
    for i in range(6):  # history=5: the first of these falls out
        await api.create("configmaps", {"metadata": {"name": f"c{i}"}})
    with pytest.raises(ExpiredError, match="too old resource version"):
        async with api.watch("configmaps", resource_version=start) as watch:
            await anext(watch)
    async with api.watch("configmaps", resource_version=str(int(start) + 1)) as watch:
        kind, obj = await anext(watch)
    assert (kind, obj["metadata"]["name"]) == ("ADDED", "c1")


async def test_watch_field_selector_transitions_and_timeout(api: ApiClient) -> None:
    created = await api.create("pods", {"metadata": {"name": "p"}, "spec": {"containers": []}})
    rv = created["metadata"]["resourceVersion"]
    await api.bind("p", "node-a")
    await api.patch("pods", "p", {"metadata": {"labels": {"x": "1"}}})
    await api.delete("pods", "p")
    watch = api.watch(
        "pods",
        "default",
        resource_version=rv,
        field_selector="spec.nodeName=node-a",
        timeout_seconds=1,
    )
    async with watch:
        events = [(e.type, e.object["spec"].get("nodeName")) async for e in watch]
    assert events == [("ADDED", "node-a"), ("MODIFIED", "node-a"), ("DELETED", "node-a")]


async def test_send_initial_events_ends_with_a_marked_bookmark(api: ApiClient) -> None:
    await api.create("configmaps", {"metadata": {"name": "a"}})
    watch = api.watch("configmaps", "default", send_initial_events=True, allow_watch_bookmarks=True)
    async with watch:
        first, second = await anext(watch), await anext(watch)
    assert first.type == "ADDED" and second.type == "BOOKMARK"
    assert second.object["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


async def test_deleting_a_namespace_deletes_its_objects(
    api: ApiClient, server: FakeApiServer
) -> None:
    await api.create("namespaces", {"metadata": {"name": "team"}})
    await api.create("configmaps", {"metadata": {"name": "a"}}, "team")
    await api.create("configmaps", {"metadata": {"name": "b"}}, "default")
    await api.delete("namespaces", "team")
    assert [o["metadata"]["name"] for o in server.list_objects("configmaps")] == ["b"]


async def test_seeding_helpers_and_kubeconfig(server: FakeApiServer) -> None:
    made = server.create_object({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}})
    assert server.get_object("nodes", "n") == made
    assert server.delete_object("nodes", "n")["metadata"]["name"] == "n"
    assert server.list_objects("nodes") == []
    doc = server.kubeconfig(namespace="team")
    assert doc["clusters"][0]["cluster"]["server"] == server.url
    assert doc["users"][0]["user"] == {"token": "t"}
    assert doc["contexts"][0]["context"]["namespace"] == "team"
    assert json.loads(json.dumps(doc)) == doc


async def test_drop_watches_and_stop_cut_streams(api: ApiClient, server: FakeApiServer) -> None:
    watch = api.watch("configmaps", resource_version=server.resource_version)
    await watch.open()
    for _ in range(200):
        if server.watch_count:
            break
        await asyncio.sleep(0.005)
    assert server.drop_watches() == 1
    with pytest.raises(TransportError):
        await anext(watch)
    await server.stop()
    with pytest.raises(TransportError):
        await api.version()


def test_label_selectors() -> None:
    def labels(**kv: str) -> dict:
        return {"metadata": {"labels": kv}}

    assert label_matcher("a=1,b!=2")(labels(a="1", b="3"))
    assert label_matcher("a==1")(labels(a="1")) and not label_matcher("a=1")(labels(a="2"))
    assert label_matcher("b!=2")(labels())  # absent counts as different
    assert label_matcher("env in (prod, staging),tier notin (db)")(labels(env="prod"))
    assert not label_matcher("env in (prod)")(labels())
    assert label_matcher("a,!b")(labels(a="")) and not label_matcher("!a")(labels(a=""))
    assert label_matcher("n>3,n<10")(labels(n="5")) and not label_matcher("n>3")(labels(n="x"))
    assert label_matcher("")(labels())
    with pytest.raises(SelectorError):
        label_matcher("a in b")


def test_field_selectors() -> None:
    pod = {"metadata": {"name": "p", "namespace": "d"}, "spec": {"hostNetwork": True}}
    assert field_matcher("metadata.name=p,metadata.namespace==d")(pod)
    assert field_matcher("spec.nodeName=")(pod)  # missing fields are empty
    assert field_matcher("spec.hostNetwork=true,status.phase!=Failed")(pod)
    with pytest.raises(SelectorError):
        field_matcher("metadata.name")
