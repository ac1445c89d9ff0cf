"""events.k8s.io/v1 and core/v1 Events are one stored collection, converted at the edge."""

from __future__ import annotations

import asyncio

from microkube_apiserver.registry.conversion import conversion_for
from microkube_apiserver.server.catalogue import served_catalogue

CORE = "/api/v1/namespaces/default/events"
V1 = "/apis/events.k8s.io/v1/namespaces/default/events"

NEW_EVENT = {
    "apiVersion": "events.k8s.io/v1",
    "kind": "Event",
    "metadata": {"name": "web.1"},
    "eventTime": "2026-11-23T08:00:00.000000Z",
    "reportingController": "example.com/ctl",
    "reportingInstance": "ctl-1",
    "action": "Scale",
    "reason": "Scaled",
    "regarding": {"kind": "Deployment", "namespace": "default", "name": "web"},
    "note": "scaled to 3",
    "type": "Normal",
}


def _events_resource():
    return next(r for r in served_catalogue() if r.group == "events.k8s.io")


def test_conversion_round_trips_every_field():
    conversion = conversion_for(_events_resource())
    assert conversion is not None
    core = conversion.to_storage(NEW_EVENT)
    assert core["apiVersion"] == "v1"
    assert core["involvedObject"] == NEW_EVENT["regarding"]
    assert core["message"] == "scaled to 3"
    assert core["reportingComponent"] == "example.com/ctl"
    assert "regarding" not in core and "note" not in core
    assert conversion.from_storage(core) == NEW_EVENT


async def test_an_event_created_through_one_api_is_read_through_the_other(client):
    created = await client.post(V1, NEW_EVENT)
    assert created.status == 201, created
    assert created.body["apiVersion"] == "events.k8s.io/v1"
    assert created.body["note"] == "scaled to 3"

    core = await client.get(f"{CORE}/web.1")
    assert core.status == 200, core
    assert core.body["apiVersion"] == "v1"
    assert core.body["message"] == "scaled to 3"
    assert core.body["involvedObject"]["name"] == "web"
    assert core.body["metadata"]["resourceVersion"] == created.body["metadata"]["resourceVersion"]

    old_style = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "web.2"},
        "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-0"},
        "reason": "Pulled",
        "message": "image present",
        "type": "Normal",
        "source": {"component": "kubelet", "host": "node-1"},
        "count": 2,
    }
    assert (await client.post(CORE, old_style)).status == 201
    listed = await client.get(V1)
    by_name = {e["metadata"]["name"]: e for e in listed.body["items"]}
    assert set(by_name) == {"web.1", "web.2"}
    assert by_name["web.2"]["apiVersion"] == "events.k8s.io/v1"
    assert by_name["web.2"]["deprecatedSource"] == {"component": "kubelet", "host": "node-1"}
    assert by_name["web.2"]["deprecatedCount"] == 2
    assert by_name["web.2"]["regarding"]["name"] == "web-0"

    # Through events.k8s.io/v1 an update may change only the series (and metadata).
    refused = await client.patch(f"{V1}/web.2", {"note": "image present, again"})
    assert refused.status == 422, refused
    assert "message: Invalid value" in refused.body["message"]
    assert "field is immutable" in refused.body["message"]
    series = {"count": 3, "lastObservedTime": "2026-11-23T08:01:00.000000Z"}
    patched = await client.patch(f"{V1}/web.2", {"series": series})
    assert patched.status == 200, patched
    assert (await client.get(f"{CORE}/web.2")).body["series"] == series
    # Through core/v1 everything stays mutable, as for old clients.
    changed = await client.patch(f"{CORE}/web.2", {"message": "image present, again"})
    assert changed.status == 200, changed
    assert (await client.get(f"{V1}/web.2")).body["note"] == "image present, again"

    assert (await client.delete(f"{V1}/web.1")).status == 200
    assert (await client.get(f"{CORE}/web.1")).status == 404


async def test_watches_through_both_apis_see_each_change_in_their_own_form(client):
    listed = await client.get(CORE)
    rv = listed.body["metadata"]["resourceVersion"]
    params = {"resourceVersion": rv}

    async def create() -> None:
        await client.post(V1, NEW_EVENT)

    core_watch = asyncio.create_task(client.watch_lines(CORE, 1, params=params))
    v1_events = await client.watch_lines(V1, 1, params=params, on_open=create)
    core_events = await core_watch
    assert v1_events[0]["type"] == "ADDED"
    assert v1_events[0]["object"]["note"] == "scaled to 3"
    assert core_events[0]["type"] == "ADDED"
    assert core_events[0]["object"]["message"] == "scaled to 3"
    assert "note" not in core_events[0]["object"]
