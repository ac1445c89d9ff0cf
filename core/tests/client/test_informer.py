"""Informers against the fake API server: sync, events, re-list on 410, reconnects, sharing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from microkube.client import ApiClient, DeletedFinalStateUnknown, Informer, SharedInformerFactory
from microkube.client.informer import Backoff
from microkube.testing.fakeapi import FakeApiServer


class Recorder:
    """Handlers that record ``(event, name, labels)`` tuples."""

    def __init__(self) -> None:
        self.events: list[tuple] = []

    def on_add(self, obj: dict) -> None:
        self.events.append(("add", obj["metadata"]["name"]))

    def on_update(self, old: dict, new: dict) -> None:
        self.events.append(("update", new["metadata"]["name"], old is not new))

    def on_delete(self, obj: dict | DeletedFinalStateUnknown) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            self.events.append(("tombstone", obj.key))
        else:
            self.events.append(("delete", obj["metadata"]["name"]))

    def register(self, informer: Informer) -> None:
        informer.add_event_handler(self.on_add, self.on_update, self.on_delete)


@pytest.fixture
async def informer_for(api: ApiClient) -> AsyncIterator[Callable[..., Informer]]:
    made: list[Informer] = []

    def make(resource: str = "configmaps", **kwargs) -> Informer:
        kwargs.setdefault("backoff_initial", 0.01)
        kwargs.setdefault("backoff_max", 0.05)
        made.append(Informer(api, resource, **kwargs))
        return made[-1]

    yield make
    for informer in made:
        await informer.stop()


async def cm(api: ApiClient, name: str, **labels: str) -> dict:
    return await api.create("configmaps", {"metadata": {"name": name, "labels": labels}})


def lists(server: FakeApiServer) -> list:
    return [r for r in server.requests if r.method == "GET" and "watch" not in r.query]


def watches(server: FakeApiServer) -> list:
    return [r for r in server.requests if r.query.get("watch") == "true"]


async def test_sync_then_events(api: ApiClient, informer_for, wait_until) -> None:
    await cm(api, "a")
    await cm(api, "b")
    informer = informer_for(namespace="default", page_size=1)
    recorder = Recorder()
    recorder.register(informer)
    informer.start()
    async with asyncio.timeout(2):
        await informer.wait_for_sync()
    assert informer.has_synced and sorted(informer.store.list_keys()) == ["default/a", "default/b"]
    await cm(api, "c")
    await api.patch("configmaps", "a", {"data": {"k": "v"}})
    await api.delete("configmaps", "b")
    await wait_until(lambda: len(recorder.events) == 5)
    assert recorder.events == [
        ("add", "a"),
        ("add", "b"),
        ("add", "c"),
        ("update", "a", True),
        ("delete", "b"),
    ]
    assert informer.store.get("default/a")["data"] == {"k": "v"}
    assert (
        informer.resource_version == (await api.list("configmaps"))["metadata"]["resourceVersion"]
    )


async def test_relist_on_410_reports_missed_deletions_as_tombstones(
    api: ApiClient, server: FakeApiServer, informer_for, wait_until
) -> None:
    await cm(api, "keep")
    await cm(api, "lost")
    informer = informer_for(namespace="default")
    recorder = Recorder()
    recorder.register(informer)
    informer.start()
    await informer.wait_for_sync()
    await wait_until(lambda: server.watch_count == 1)
    listed_before = len(lists(server))
    # Behind the informer's back: its watch breaks, the history is compacted, an object goes.
    server.drop_watches()
    server.compact()
    server.delete_object("configmaps", "lost")
    server.create_object({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "new"}})
    await wait_until(lambda: ("tombstone", "default/lost") in recorder.events)
    await wait_until(lambda: ("add", "new") in recorder.events)
    assert len(lists(server)) == listed_before + 1
    assert sorted(informer.store.list_keys()) == ["default/keep", "default/new"]
    await informer.wait_for_handlers()
    assert ("update", "keep", True) not in recorder.events  # unchanged objects stay quiet


async def test_relist_when_the_watch_request_itself_gets_410(
    api: ApiClient, server: FakeApiServer, informer_for, wait_until
) -> None:
    informer = informer_for(namespace="default")
    informer.start()
    await informer.wait_for_sync()
    await wait_until(lambda: server.watch_count == 1)
    listed_before = len(lists(server))
    server.fail_next("GET", "/api/v1/namespaces/default/configmaps", 410, "Gone")
    server.drop_watches()
    await wait_until(lambda: len(lists(server)) == listed_before + 1)
    await wait_until(lambda: server.watch_count == 1)
    await cm(api, "after")
    await wait_until(lambda: "default/after" in informer.store)


async def test_reconnects_from_the_last_seen_version_without_relisting(
    api: ApiClient, server: FakeApiServer, informer_for, wait_until
) -> None:
    informer = informer_for(namespace="default")
    recorder = Recorder()
    recorder.register(informer)
    informer.start()
    await informer.wait_for_sync()
    await wait_until(lambda: server.watch_count == 1)
    await cm(api, "one")
    await wait_until(lambda: "default/one" in informer.store)
    seen = informer.resource_version
    # Connection errors: the watch breaks, and the next attempt fails too.
    server.fail_next("GET", "/api/v1/namespaces/default/configmaps", 503, "ServiceUnavailable")
    assert server.drop_watches() == 1
    await cm(api, "two")  # made while no watch is open: must still arrive
    await wait_until(lambda: "default/two" in informer.store)
    assert len(lists(server)) == 1
    resumed = [r.query.get("resourceVersion") for r in watches(server)]
    assert resumed[-2:] == [seen, seen]
    assert recorder.events == [("add", "one"), ("add", "two")]


async def test_bookmarks_advance_the_version(
    api: ApiClient, server: FakeApiServer, informer_for, wait_until
) -> None:
    informer = informer_for(namespace="default")
    informer.start()
    await informer.wait_for_sync()
    await wait_until(lambda: server.watch_count == 1)
    assert watches(server)[-1].query["allowWatchBookmarks"] == "true"
    await api.create("secrets", {"metadata": {"name": "elsewhere"}})  # not a configmap
    server.send_bookmarks()
    await wait_until(lambda: informer.resource_version == server.resource_version)


async def test_label_selector_changes_become_adds_and_deletes(
    api: ApiClient, informer_for, wait_until
) -> None:
    await cm(api, "x", app="web")
    informer = informer_for(label_selector="app=web")
    recorder = Recorder()
    recorder.register(informer)
    informer.start()
    await informer.wait_for_sync()
    await api.patch("configmaps", "x", {"metadata": {"labels": {"app": "db"}}})
    await cm(api, "y", app="web")
    await wait_until(lambda: len(recorder.events) == 3)
    assert recorder.events == [("add", "x"), ("delete", "x"), ("add", "y")]
    assert informer.store.list_keys() == ["default/y"]


async def test_slow_handler_does_not_block_others(api: ApiClient, informer_for, wait_until) -> None:
    gate = asyncio.Event()
    slow_seen: list[str] = []
    fast = Recorder()

    async def slow(obj: dict) -> None:
        await gate.wait()
        slow_seen.append(obj["metadata"]["name"])

    informer = informer_for()
    informer.add_event_handler(on_add=slow)
    fast.register(informer)
    informer.start()
    await informer.wait_for_sync()
    await cm(api, "a")
    await cm(api, "b")
    await wait_until(lambda: len(fast.events) == 2)
    assert slow_seen == []
    gate.set()
    await informer.wait_for_handlers()
    assert slow_seen == ["a", "b"]


async def test_late_handlers_get_the_cache_replayed_and_errors_are_contained(
    api: ApiClient, informer_for
) -> None:
    await cm(api, "a")
    informer = informer_for()
    informer.start()
    await informer.wait_for_sync()
    late = Recorder()

    def broken(obj: dict) -> None:
        raise RuntimeError("handler bug")

    informer.add_event_handler(on_add=broken)
    late.register(informer)
    await informer.wait_for_handlers()
    assert late.events == [("add", "a")]


async def test_custom_indexers(api: ApiClient, informer_for) -> None:
    await cm(api, "a", team="x")
    await cm(api, "b", team="x")
    await cm(api, "c", team="y")
    informer = informer_for(
        indexers={"team": lambda o: [o["metadata"].get("labels", {}).get("team", "")]}
    )
    informer.start()
    await informer.wait_for_sync()
    names = sorted(o["metadata"]["name"] for o in informer.store.by_index("team", "x"))
    assert names == ["a", "b"]
    assert len(informer.store.by_index("namespace", "default")) == 3


async def test_shared_informer_factory(api: ApiClient, server: FakeApiServer) -> None:
    factory = SharedInformerFactory(api, backoff_initial=0.01)
    pods = factory.informer("pods")
    assert factory.informer("po") is pods
    assert factory.informer("pods", label_selector="a=b") is not pods
    assert factory.informer("pods", namespace="default") is not pods
    factory.start()
    try:
        async with asyncio.timeout(2):
            await factory.wait_for_cache_sync()
        assert all(i.has_synced and i.running for i in factory.informers)
        assert len(factory.informers) == 3
    finally:
        await factory.shutdown()
    assert not any(i.running for i in factory.informers)


def test_backoff_grows_to_its_cap_and_resets() -> None:
    backoff = Backoff(0.1, 0.4, jitter=0.0)
    assert [backoff.next() for _ in range(4)] == [0.1, 0.2, 0.4, 0.4]
    backoff.reset()
    assert backoff.next() == 0.1
    jittered = Backoff(1.0, 10.0, jitter=1.0).next()
    assert 1.0 <= jittered <= 2.0
