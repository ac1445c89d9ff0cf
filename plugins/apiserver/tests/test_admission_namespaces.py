"""NamespaceLifecycle over its namespace cache: the cache follows the store, and every answer
is the one a read of the store gives — the cache is trusted only for an active namespace that
this server has not been asked to change lately."""

from __future__ import annotations

import asyncio
from typing import Any

import attrs
import pytest
from microkube_apiserver.admission import namespace_lifecycle
from microkube_apiserver.admission.chain import AdmissionChain
from microkube_apiserver.admission.namespace_cache import PREFIX, NamespaceCache
from microkube_apiserver.admission.namespace_lifecycle import NamespaceLifecycle
from microkube_apiserver.options import ApiServerOptions
from microkube_apiserver.store import codec

from microkube.contracts.admission import (
    AdmissionDenied,
    AdmissionPlugin,
    AdmissionRequest,
    GroupVersionResource,
    Operation,
)
from microkube.testing.fakes.storage import FakeStorage

PODS = GroupVersionResource(group="", version="v1", resource="pods")
NAMESPACES = GroupVersionResource(group="", version="v1", resource="namespaces")


def _namespace(name: str, *, terminating: bool = False) -> bytes:
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    obj["status"] = {"phase": "Terminating" if terminating else "Active"}
    if terminating:
        obj["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return codec.encode(obj)


def _create_in(namespace: str) -> AdmissionRequest:
    return AdmissionRequest(
        operation=Operation.CREATE, resource=PODS, kind="Pod", namespace=namespace, name="p"
    )


def _change(operation: Operation, name: str) -> AdmissionRequest:
    return AdmissionRequest(
        operation=operation, resource=NAMESPACES, kind="Namespace", namespace="", name=name
    )


@attrs.define
class _Host:
    storage: Any
    options: ApiServerOptions = attrs.field(factory=ApiServerOptions)


class _CountingStorage(FakeStorage):
    """Counts point reads: the live lookups the plugin makes."""

    gets = 0

    async def get(self, key: str, *, revision: int = 0) -> Any:
        self.gets += 1
        return await super().get(key, revision=revision)


@pytest.fixture
async def storage():
    store = _CountingStorage()
    await store.start()
    yield store
    await store.close()


async def _until(condition: Any) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


async def test_cache_follows_creates_deletions_and_removals(storage):
    await storage.create(PREFIX + "before", _namespace("before"))
    cache = NamespaceCache(storage)
    assert cache.terminating("before") is None  # not synced yet
    cache.start()
    try:
        await _until(lambda: cache.synced)
        assert cache.terminating("before") is False
        revision = await storage.create(PREFIX + "later", _namespace("later"))
        await _until(lambda: cache.terminating("later") is False)
        await storage.update(
            PREFIX + "later", _namespace("later", terminating=True), expected_revision=revision
        )
        await _until(lambda: cache.terminating("later") is True)
        await storage.delete(PREFIX + "later")
        await _until(lambda: cache.terminating("later") is None)
        await storage.create(PREFIX + "broken", b"not json")
        await storage.create(PREFIX + "last", _namespace("last"))
        await _until(lambda: cache.terminating("last") is False)
        assert cache.terminating("broken") is None
    finally:
        await cache.close()
    assert not cache.synced and cache.terminating("before") is None


async def _plugin(storage) -> NamespaceLifecycle:
    plugin = NamespaceLifecycle()
    plugin.bind_host(_Host(storage))
    assert plugin._cache is not None
    await _until(lambda: plugin._cache.synced)
    return plugin


async def _denial(plugin: NamespaceLifecycle, request: AdmissionRequest) -> tuple[int, str]:
    with pytest.raises(AdmissionDenied) as denied:
        await plugin.admit(request)
    return denied.value.code, denied.value.message


async def test_an_active_namespace_is_admitted_from_the_cache(storage):
    await storage.create(PREFIX + "team", _namespace("team"))
    plugin = await _plugin(storage)
    try:
        before = storage.gets
        for _ in range(3):
            await plugin.admit(_create_in("team"))
        assert storage.gets == before
    finally:
        await plugin.close()


async def test_a_namespace_missing_from_the_cache_is_read_live(storage):
    plugin = await _plugin(storage)
    try:
        assert (await _denial(plugin, _create_in("nowhere")))[0] == 404
        # created a moment ago: found in the store before the cache hears of it
        await storage.create(PREFIX + "fresh", _namespace("fresh"))
        await plugin.admit(_create_in("fresh"))
    finally:
        await plugin.close()


async def test_a_terminating_namespace_is_read_live(storage):
    revision = await storage.create(PREFIX + "going", _namespace("going", terminating=True))
    plugin = await _plugin(storage)
    try:
        code, message = await _denial(plugin, _create_in("going"))
        assert code == 403 and "because it is being terminated" in message
        # removed from the store, the cache not told yet: 404 as the store says, not 403
        assert plugin._cache is not None
        await plugin._cache.close()
        await storage.delete(PREFIX + "going", expected_revision=revision)
        plugin._cache.synced = True  # a cache that still holds the namespace as terminating
        assert plugin._cache.terminating("going") is True
        assert (await _denial(plugin, _create_in("going")))[0] == 404
    finally:
        await plugin.close()


async def test_a_namespace_this_server_changes_is_read_live(storage, monkeypatch):
    revision = await storage.create(PREFIX + "team", _namespace("team"))
    plugin = await _plugin(storage)
    try:
        assert plugin._cache is not None
        await plugin._cache.close()  # from here on the cache never hears of a change
        plugin._cache.synced = True
        await plugin.admit(_change(Operation.DELETE, "team"))
        await storage.update(
            PREFIX + "team", _namespace("team", terminating=True), expected_revision=revision
        )
        assert (await _denial(plugin, _create_in("team")))[0] == 403
        await plugin.admit(_change(Operation.UPDATE, "other"))
        assert (await _denial(plugin, _create_in("other")))[0] == 404
        # once the while is over, the cache is trusted again
        monkeypatch.setattr(namespace_lifecycle, "LIVE_LOOKUP_SECONDS", 0.0)
        await plugin.admit(_change(Operation.UPDATE, "team"))
        await plugin.admit(_create_in("team"))
    finally:
        await plugin.close()


async def test_system_namespaces_cannot_be_deleted(storage):
    plugin = await _plugin(storage)
    try:
        assert (await _denial(plugin, _change(Operation.DELETE, "kube-system")))[0] == 403
        await plugin.admit(_change(Operation.UPDATE, "kube-system"))
    finally:
        await plugin.close()


@attrs.define
class _Recorder:
    name: str
    log: list[str]
    mutating: bool = True
    validating: bool = True

    def handles(self, request: AdmissionRequest) -> bool:
        return True


class _Mutating(_Recorder):
    async def admit(self, request: AdmissionRequest) -> None:
        self.log.append(f"admit {self.name}")


class _Validating(_Recorder):
    async def validate(self, request: AdmissionRequest) -> None:
        self.log.append(f"validate {self.name}")


class _Both(_Mutating, _Validating):
    async def close(self) -> None:
        self.log.append(f"close {self.name}")


async def test_chain_runs_every_admit_in_order_then_every_validate():
    log: list[str] = []
    plugins: list[AdmissionPlugin] = [_Validating("v", log), _Both("b", log), _Mutating("m", log)]
    chain = AdmissionChain(plugins)
    await chain.run(_create_in("x"))
    assert log == ["admit b", "admit m", "validate v", "validate b"]
    assert chain.names == ["v", "b", "m"]
    await chain.close()
    assert log[-1] == "close b"
