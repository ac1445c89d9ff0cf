"""ApiClient against the fake API server on loopback: CRUD, errors, paging, watch, subresources."""

from __future__ import annotations

import pytest

from microkube.client import (
    BUILTIN,
    AlreadyExistsError,
    ApiClient,
    ConflictError,
    ExpiredError,
    GoneError,
    InternalError,
    InvalidError,
    NotFoundError,
    Resource,
    TooManyRequestsError,
    UnknownResourceError,
)
from microkube.client.resources import DEPLOYMENTS, NODES
from microkube.testing.fakeapi import FakeApiServer


async def test_create_get_replace_delete(api: ApiClient, make_pod) -> None:
    created = await api.create("pods", make_pod("web", {"app": "web"}))
    meta = created["metadata"]
    assert meta["uid"] and meta["creationTimestamp"] and meta["resourceVersion"]
    fetched = await api.get("pods", "web")
    assert fetched["metadata"]["uid"] == meta["uid"]

    fetched["metadata"]["labels"]["tier"] = "front"
    replaced = await api.replace("pods", fetched)
    assert replaced["metadata"]["labels"] == {"app": "web", "tier": "front"}
    assert int(replaced["metadata"]["resourceVersion"]) > int(meta["resourceVersion"])

    deleted = await api.delete("pods", "web")
    assert deleted["metadata"]["name"] == "web"
    with pytest.raises(NotFoundError) as info:
        await api.get("pods", "web")
    assert str(info.value) == 'pods "web" not found'
    assert info.value.code == 404 and info.value.status["details"]["name"] == "web"


async def test_error_classes_and_messages(api: ApiClient, make_pod) -> None:
    await api.create("pods", make_pod("web"))
    with pytest.raises(AlreadyExistsError, match='pods "web" already exists'):
        await api.create("pods", make_pod("web"))
    with pytest.raises(InvalidError) as info:
        await api.create("pods", make_pod("Not_Valid"))
    assert info.value.causes[0]["field"] == "metadata.name"
    with pytest.raises(NotFoundError, match='namespaces "nowhere" not found'):
        await api.create("pods", make_pod("web", namespace="nowhere"))
    with pytest.raises(NotFoundError, match=r'deployments\.apps "gone" not found'):
        await api.get(DEPLOYMENTS, "gone")


async def test_stale_resource_version_conflicts(api: ApiClient, make_pod) -> None:
    first = await api.create("pods", make_pod("web"))
    await api.patch("pods", "web", {"metadata": {"labels": {"a": "1"}}})
    first["metadata"]["labels"] = {"b": "2"}
    with pytest.raises(ConflictError, match="the object has been modified"):
        await api.replace("pods", first)
    assert (await api.get("pods", "web"))["metadata"]["labels"] == {"a": "1"}


async def test_patch_types(api: ApiClient, make_pod) -> None:
    await api.create("pods", make_pod("web", {"a": "1", "b": "2"}))
    merged = await api.patch("pods", "web", {"metadata": {"labels": {"a": None, "c": "3"}}})
    assert merged["metadata"]["labels"] == {"b": "2", "c": "3"}
    ops = [
        {"op": "add", "path": "/metadata/annotations", "value": {"note": "x"}},
        {"op": "replace", "path": "/spec/containers/0/image", "value": "nginx"},
    ]
    patched = await api.patch("pods", "web", ops, patch_type="json")
    assert patched["metadata"]["annotations"] == {"note": "x"}
    assert patched["spec"]["containers"][0]["image"] == "nginx"
    strategic = await api.patch(
        "pods", "web", {"metadata": {"labels": {"d": "4"}}}, patch_type="strategic"
    )
    assert strategic["metadata"]["labels"]["d"] == "4"
    with pytest.raises(InvalidError):
        await api.patch(
            "pods", "web", [{"op": "test", "path": "/kind", "value": "Node"}], patch_type="json"
        )
    with pytest.raises(ValueError, match="unknown patch type"):
        await api.patch("pods", "web", {}, patch_type="yaml")


async def test_server_side_apply_creates_then_updates(api: ApiClient) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg"},
        "data": {"a": "1"},
    }
    created = await api.apply("configmaps", body, field_manager="test")
    assert created["data"] == {"a": "1"}
    body["data"] = {"a": "2"}
    updated = await api.apply("configmaps", body, field_manager="test", force=True)
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    assert updated["data"] == {"a": "2"}
    with pytest.raises(ValueError, match="field_manager"):
        await api.patch("configmaps", "cfg", body, patch_type="apply")


async def test_generate_name_and_cluster_scoped(api: ApiClient) -> None:
    made = await api.create("configmaps", {"metadata": {"generateName": "cfg-"}})
    assert made["metadata"]["name"].startswith("cfg-") and len(made["metadata"]["name"]) == 9
    node = await api.create(NODES, {"metadata": {"name": "n1", "labels": {"zone": "a"}}})
    assert "namespace" not in node["metadata"]
    assert (await api.get("nodes", "n1"))["metadata"]["labels"] == {"zone": "a"}
    assert [n["metadata"]["name"] for n in (await api.list("no"))["items"]] == ["n1"]


async def test_selectors(api: ApiClient, make_pod) -> None:
    for name, labels in [("a", {"app": "x", "tier": "1"}), ("b", {"app": "y"}), ("c", {})]:
        await api.create("pods", make_pod(name, labels))

    async def names(**kwargs: str) -> list[str]:
        result = await api.list("pods", "default", **kwargs)
        return [item["metadata"]["name"] for item in result["items"]]

    assert await names(label_selector="app=x") == ["a"]
    assert await names(label_selector="app in (x,y),!tier") == ["b"]
    assert await names(label_selector="app notin (x)") == ["b", "c"]
    assert await names(label_selector="app") == ["a", "b"]
    assert await names(field_selector="metadata.name!=a") == ["b", "c"]
    assert await names(field_selector="metadata.namespace=default,metadata.name=c") == ["c"]


async def test_pagination(api: ApiClient, server: FakeApiServer) -> None:
    for i in range(7):
        await api.create("configmaps", {"metadata": {"name": f"cm-{i}"}})
    first = await api.list("configmaps", "default", limit=3)
    assert len(first["items"]) == 3 and first["metadata"]["continue"]
    assert first["metadata"]["remainingItemCount"] == 4
    second = await api.list(
        "configmaps", "default", limit=3, continue_=first["metadata"]["continue"]
    )
    assert [i["metadata"]["name"] for i in second["items"]] == ["cm-3", "cm-4", "cm-5"]
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]

    server.requests.clear()
    everything = await api.list_all("configmaps", "default", page_size=3)
    assert [i["metadata"]["name"] for i in everything["items"]] == [f"cm-{i}" for i in range(7)]
    assert "continue" not in everything["metadata"]
    assert [r.query.get("limit") for r in server.requests] == ["3", "3", "3"]


async def test_list_all_falls_back_to_a_full_list_when_continue_expires(
    api: ApiClient, server: FakeApiServer
) -> None:
    for i in range(5):
        await api.create("configmaps", {"metadata": {"name": f"cm-{i}"}})
    page = await api.list("configmaps", "default", limit=2)
    server.compact()
    with pytest.raises(ExpiredError):
        await api.list("configmaps", "default", limit=2, continue_=page["metadata"]["continue"])
    server.fail_next("GET", "/api/v1/namespaces/default/configmaps", 410, "Expired", times=1)
    server.requests.clear()
    # The first page itself expires here; the pager re-lists without paging.
    with pytest.raises(GoneError):
        await api.list_all("configmaps", "default", page_size=2)
    server.requests.clear()
    original = api.list

    async def expire_second_page(*args, **kwargs):
        if kwargs.get("continue_"):
            server.compact()
        return await original(*args, **kwargs)

    api.list = expire_second_page  # type: ignore[method-assign]
    result = await api.list_all("configmaps", "default", page_size=2)
    assert len(result["items"]) == 5
    assert [r.query.get("limit") for r in server.requests] == ["2", "2", None]


async def test_watch_resumes_from_a_resource_version(api: ApiClient, make_pod) -> None:
    created = await api.create("pods", make_pod("web"))
    start = created["metadata"]["resourceVersion"]
    await api.patch("pods", "web", {"metadata": {"labels": {"v": "1"}}})
    await api.patch("pods", "web", {"metadata": {"labels": {"v": "2"}}})
    await api.delete("pods", "web")
    seen = []
    async with api.watch("pods", "default", resource_version=start) as watch:
        async for event in watch:
            seen.append((event.type, event.object["metadata"].get("labels")))
            if event.type == "DELETED":
                break
    assert seen == [("MODIFIED", {"v": "1"}), ("MODIFIED", {"v": "2"}), ("DELETED", {"v": "2"})]
    assert int(watch.resource_version) > int(start)


async def test_watch_without_version_sends_current_objects(api: ApiClient, make_pod) -> None:
    await api.create("pods", make_pod("a"))
    async with api.watch("pods", "default") as watch:
        kind, obj = await anext(watch)
    assert (kind, obj["metadata"]["name"]) == ("ADDED", "a")


async def test_watch_bookmarks_and_timeout(
    api: ApiClient, server: FakeApiServer, wait_until
) -> None:
    listed = await api.list("pods", "default")
    rv = listed["metadata"]["resourceVersion"]
    async with api.watch(
        "pods", "default", resource_version=rv, allow_watch_bookmarks=True, timeout_seconds=1
    ) as watch:
        await wait_until(lambda: server.watch_count == 1)
        server.send_bookmarks()
        events = [event async for event in watch]
    assert [e.type for e in events] == ["BOOKMARK"]
    assert events[0].object["metadata"]["resourceVersion"] == server.resource_version


async def test_watch_from_compacted_version_raises_expired(
    api: ApiClient, server: FakeApiServer
) -> None:
    rv = (await api.list("pods", "default"))["metadata"]["resourceVersion"]
    await api.create("configmaps", {"metadata": {"name": "bump"}})
    server.compact()
    with pytest.raises(ExpiredError) as info:
        async with api.watch("pods", "default", resource_version=rv) as watch:
            await anext(watch)
    assert info.value.code == 410
    server.fail_next("GET", "/api/v1/namespaces/default/pods", 410, "Gone")
    with pytest.raises(GoneError):
        async with api.watch("pods", "default", resource_version=server.resource_version):
            pass


async def test_status_subresource(api: ApiClient) -> None:
    body = {
        "metadata": {"name": "d"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "d"}}},
        "status": {"replicas": 9},
    }
    created = await api.create(DEPLOYMENTS, body)
    assert created["status"] == {} and created["metadata"]["generation"] == 1
    created["status"] = {"replicas": 2, "observedGeneration": 1}
    created["spec"]["replicas"] = 5
    updated = await api.replace_status(DEPLOYMENTS, created)
    assert updated["status"]["replicas"] == 2 and updated["spec"]["replicas"] == 2
    updated["status"] = {"replicas": 0}
    updated["spec"]["replicas"] = 3
    main = await api.replace(DEPLOYMENTS, updated)
    assert main["status"]["replicas"] == 2 and main["spec"]["replicas"] == 3
    assert main["metadata"]["generation"] == 2
    patched = await api.patch_status(DEPLOYMENTS, "d", {"status": {"readyReplicas": 1}})
    assert patched["status"] == {"replicas": 2, "observedGeneration": 1, "readyReplicas": 1}


async def test_scale_subresource(api: ApiClient) -> None:
    await api.create(
        DEPLOYMENTS,
        {
            "metadata": {"name": "d"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "b"}}},
        },
    )
    scale = await api.get_scale("deployments", "d")
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 1
    assert scale["status"]["selector"] == "a=b"
    assert (await api.scale("deployments", "d", 4))["spec"]["replicas"] == 4
    assert (await api.get("deployments", "d"))["spec"]["replicas"] == 4


async def test_bind_and_evict(api: ApiClient, make_pod) -> None:
    created = await api.create("pods", make_pod("web"))
    status = await api.bind("web", "node-1", uid=created["metadata"]["uid"])
    assert status["status"] == "Success"
    assert (await api.get("pods", "web"))["spec"]["nodeName"] == "node-1"
    with pytest.raises(ConflictError, match="already assigned"):
        await api.bind("web", "node-2")
    await api.evict("web")
    with pytest.raises(NotFoundError):
        await api.get("pods", "web")
    with pytest.raises(NotFoundError, match='pods "ghost" not found'):
        await api.evict("ghost")


async def test_delete_options(api: ApiClient, make_pod, server: FakeApiServer) -> None:
    created = await api.create("pods", make_pod("web"))
    with pytest.raises(ConflictError, match="Precondition failed: UID"):
        await api.delete("pods", "web", preconditions={"uid": "other"})
    await api.delete("pods", "web", dry_run=True, propagation_policy="Foreground")
    assert server.requests[-1].json()["propagationPolicy"] == "Foreground"
    await api.get("pods", "web")
    await api.delete(
        "pods",
        "web",
        grace_period_seconds=0,
        preconditions={"uid": created["metadata"]["uid"]},
    )
    with pytest.raises(NotFoundError):
        await api.get("pods", "web")


async def test_finalizers_delay_deletion(api: ApiClient) -> None:
    await api.create("configmaps", {"metadata": {"name": "f", "finalizers": ["test/hold"]}})
    marked = await api.delete("configmaps", "f")
    assert marked["metadata"]["deletionTimestamp"]
    await api.patch("configmaps", "f", {"metadata": {"finalizers": None}})
    with pytest.raises(NotFoundError):
        await api.get("configmaps", "f")


async def test_delete_collection(api: ApiClient, make_pod) -> None:
    for name, app in [("a", "x"), ("b", "x"), ("c", "y")]:
        await api.create("pods", make_pod(name, {"app": app}))
    result = await api.delete_collection("pods", "default", label_selector="app=x")
    assert sorted(i["metadata"]["name"] for i in result["items"]) == ["a", "b"]
    assert [i["metadata"]["name"] for i in (await api.list("pods"))["items"]] == ["c"]


async def test_retry_after_is_honoured_within_bounds(api: ApiClient, server: FakeApiServer) -> None:
    server.fail_next("GET", "/version", 429, "TooManyRequests", times=2, retry_after=0)
    assert (await api.version())["minor"] == "32"
    assert [r.path for r in server.requests].count("/version") == 3
    api.max_retries = 2
    server.fail_next("GET", "/version", 429, "TooManyRequests", times=3, retry_after=0)
    with pytest.raises(TooManyRequestsError) as info:
        await api.version()
    assert info.value.retry_after == 0
    server.fail_next("GET", "/version", 500, "InternalError")
    with pytest.raises(InternalError):
        await api.version()


async def test_requests_carry_identity_and_credentials(
    api: ApiClient, server: FakeApiServer
) -> None:
    await api.version()
    headers = server.requests[-1].headers
    assert headers["user-agent"].startswith("microkube/")
    assert headers["accept"] == "application/json"
    assert headers["authorization"] == "Bearer test-token"


async def test_discovery_finds_resources_beyond_the_table(make_pod) -> None:
    widgets = Resource("example.com", "v1", "widgets", True, "Widget", short_names=("wd",))
    server = FakeApiServer(resources=(*BUILTIN, widgets))
    async with server, server.api_client() as api:
        with pytest.raises(UnknownResourceError, match='resource type "widgets"'):
            api.resource("widgets")
        found = await api.resolve("wd")
        assert found == widgets
        created = await api.create("widgets", {"metadata": {"name": "w"}, "spec": {}})
        assert created["apiVersion"] == "example.com/v1" and created["kind"] == "Widget"
        assert (await api.resolve("Widget", "example.com/v1")).plural == "widgets"
        with pytest.raises(UnknownResourceError):
            await api.resolve("gizmos")
        with pytest.raises(UnknownResourceError, match=r"in nothing\.example/v9"):
            await api.resolve("gizmos", "nothing.example/v9")
        subs = {r.plural: r.subresources for r in await api.discover("apps/v1")}
        assert subs["deployments"] == ("status", "scale")
