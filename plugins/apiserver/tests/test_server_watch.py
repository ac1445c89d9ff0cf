"""Watch: initial ADDED events, resume from a resourceVersion, selector transitions,
410 for a compacted start, bookmarks, watch-list, timeouts, Table events."""

from __future__ import annotations

import asyncio

CM = "/api/v1/namespaces/default/configmaps"


async def make(client, name: str, labels: dict | None = None) -> dict:
    reply = await client.post(CM, {"metadata": {"name": name, "labels": labels or {}}})
    assert reply.status == 201
    return reply.body


def summary(events: list[dict]) -> list[tuple[str, str]]:
    return [(e["type"], e["object"]["metadata"].get("name", "")) for e in events]


async def test_watch_without_version_starts_with_current_objects(client):
    await make(client, "a")
    await make(client, "b")

    async def change():
        await make(client, "c")

    events = await client.watch_lines(CM, 3, on_open=change)
    assert summary(events) == [("ADDED", "a"), ("ADDED", "b"), ("ADDED", "c")]


async def test_watch_from_version_streams_only_later_changes(client):
    first = await make(client, "a")
    rv = first["metadata"]["resourceVersion"]
    await make(client, "b")
    await client.patch(f"{CM}/a", {"data": {"x": "1"}})
    await client.delete(f"{CM}/b")
    events = await client.watch_lines(CM, 3, params={"resourceVersion": rv})
    assert summary(events) == [("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "b")]
    revisions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert revisions == sorted(revisions) and revisions[0] > int(rv)


async def test_selector_watch_turns_transitions_into_added_and_deleted(client):
    created = await make(client, "a", {"app": "other"})
    rv = created["metadata"]["resourceVersion"]
    await client.patch(f"{CM}/a", {"metadata": {"labels": {"app": "web"}}})
    await client.patch(f"{CM}/a", {"data": {"k": "v"}})
    left = await client.patch(f"{CM}/a", {"metadata": {"labels": {"app": "gone"}}})
    events = await client.watch_lines(
        CM, 3, params={"resourceVersion": rv, "labelSelector": "app=web"}
    )
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    deleted = events[2]["object"]
    assert deleted["metadata"]["labels"] == {"app": "web"}  # the last state that matched
    assert deleted["metadata"]["resourceVersion"] == left.body["metadata"]["resourceVersion"]


async def test_compacted_start_is_an_error_event_410(client, apiserver):
    created = await make(client, "a")
    rv = created["metadata"]["resourceVersion"]
    await make(client, "b")
    await make(client, "c")
    current = await apiserver.storage.current_revision()
    await apiserver.storage.compact(current)
    events = await client.watch_lines(CM, 1, params={"resourceVersion": rv})
    assert events[0]["type"] == "ERROR"
    status = events[0]["object"]
    assert status["code"] == 410
    assert status["reason"] == "Expired"
    assert status["message"] == f"too old resource version: {rv} ({current})"


async def test_bookmarks_when_allowed(client):
    created = await make(client, "a")
    events = await client.watch_lines(
        CM,
        1,
        params={
            "resourceVersion": created["metadata"]["resourceVersion"],
            "allowWatchBookmarks": "true",
        },
    )
    assert events[0]["type"] == "BOOKMARK"
    assert events[0]["object"]["kind"] == "ConfigMap"
    assert int(events[0]["object"]["metadata"]["resourceVersion"]) >= int(
        created["metadata"]["resourceVersion"]
    )


async def test_watch_list_ends_initial_events_with_annotated_bookmark(client):
    await make(client, "a")
    events = await client.watch_lines(
        CM,
        2,
        params={
            "sendInitialEvents": "true",
            "resourceVersionMatch": "NotOlderThan",
            "allowWatchBookmarks": "true",
        },
    )
    assert events[0]["type"] == "ADDED"
    assert events[1]["type"] == "BOOKMARK"
    annotations = events[1]["object"]["metadata"]["annotations"]
    assert annotations == {"k8s.io/initial-events-end": "true"}


async def test_watch_list_requires_bookmarks(client):
    reply = await client.get(
        CM,
        params={
            "watch": "true",
            "sendInitialEvents": "true",
            "resourceVersionMatch": "NotOlderThan",
        },
    )
    assert reply.status == 422


async def test_timeout_seconds_ends_the_stream(client):
    loop = asyncio.get_running_loop()
    started = loop.time()
    events = await client.watch_lines(CM, 5, params={"timeoutSeconds": "1", "resourceVersion": "1"})
    assert loop.time() - started < 4
    assert len(events) < 5


async def test_watch_path_form_and_single_object(client):
    await make(client, "a")
    await make(client, "ab")
    events = await client.watch_lines(
        "/api/v1/watch/namespaces/default/configmaps/a", 1, params={"timeoutSeconds": "1"}
    )
    assert summary(events) == [("ADDED", "a")]


async def test_table_watch_sends_rows(client):
    await make(client, "a")
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    events = await client.watch_lines(CM, 1, headers={"Accept": accept})
    table = events[0]["object"]
    assert table["kind"] == "Table"
    assert table["rows"][0]["cells"][0] == "a"
    assert table["columnDefinitions"][0]["name"] == "Name"


async def test_bad_selector_fails_before_streaming(client):
    reply = await client.get(CM, params={"watch": "true", "fieldSelector": "spec.x=1"})
    assert reply.status == 400
