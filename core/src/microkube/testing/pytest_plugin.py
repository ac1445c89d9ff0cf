"""pytest plugin (entry point ``pytest11``): fixtures for microkube plugin authors.

Loaded in every pytest run where microkube is installed, so importing it is cheap: each
fixture imports its fake only when a test asks for it. The async fixtures are
pytest-asyncio fixtures (they work in its strict and auto modes alike).

- ``fake_storage``, ``fake_runtime``, ``fake_proxy``, ``fake_cloud``: started fakes, closed
  after the test; ``fake_cni``: a fresh CNI fake;
- ``fake_apiserver``: a started in-memory Kubernetes API server
  (:class:`~microkube.testing.fake_apiserver.FakeApiServer`);
- ``microkube_registry``: ``microkube_registry(*plugins)`` builds a plugin registry of exactly
  those plugins, with no entry points loaded;
- ``microkube_cluster``: ``await microkube_cluster("apiserver", "scheduler", ...)`` starts an
  in-process :class:`~microkube.testing.cluster.LocalCluster` of installed components by name
  (keyword arguments as ``LocalCluster``'s), stopped after the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import pytest

try:
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - pytest then reports the async fixture it cannot run
    _async_fixture = pytest.fixture

if TYPE_CHECKING:
    from microkube.plugins import PluginRegistry
    from microkube.testing.cluster import LocalCluster
    from microkube.testing.fake_apiserver import FakeApiServer
    from microkube.testing.fakes.cloud import FakeCloud
    from microkube.testing.fakes.cni import FakeCNI
    from microkube.testing.fakes.proxy import FakeServiceProxy
    from microkube.testing.fakes.runtime import FakeRuntime
    from microkube.testing.fakes.storage import FakeStorage


@_async_fixture
async def fake_storage() -> AsyncIterator[FakeStorage]:
    """A started :class:`~microkube.testing.fakes.storage.FakeStorage`."""
    from microkube.testing.fakes.storage import FakeStorage

    storage = FakeStorage()
    await storage.start()
    yield storage
    await storage.close()


@_async_fixture
async def fake_runtime() -> AsyncIterator[FakeRuntime]:
    """A started :class:`~microkube.testing.fakes.runtime.FakeRuntime`."""
    from microkube.testing.fakes.runtime import FakeRuntime

    runtime = FakeRuntime()
    await runtime.start()
    yield runtime
    await runtime.close()


@pytest.fixture
def fake_cni() -> FakeCNI:
    """A :class:`~microkube.testing.fakes.cni.FakeCNI` on 10.244.0.0/24."""
    from microkube.testing.fakes.cni import FakeCNI

    return FakeCNI()


@_async_fixture
async def fake_proxy() -> AsyncIterator[FakeServiceProxy]:
    """A started :class:`~microkube.testing.fakes.proxy.FakeServiceProxy`."""
    from microkube.testing.fakes.proxy import FakeServiceProxy

    proxy = FakeServiceProxy()
    await proxy.start()
    yield proxy
    await proxy.close()


@_async_fixture
async def fake_cloud() -> AsyncIterator[FakeCloud]:
    """A started :class:`~microkube.testing.fakes.cloud.FakeCloud` with every capability."""
    from microkube.testing.fakes.cloud import FakeCloud

    cloud = FakeCloud()
    await cloud.start()
    yield cloud
    await cloud.close()


@_async_fixture
async def fake_apiserver() -> AsyncIterator[FakeApiServer]:
    """A started :class:`~microkube.testing.fake_apiserver.FakeApiServer` (``.url``,
    ``.api_client()``, ``.kubeconfig()``), stopped after the test."""
    from microkube.testing.fake_apiserver import FakeApiServer

    async with FakeApiServer() as server:
        yield server


@pytest.fixture
def microkube_registry() -> Callable[..., PluginRegistry]:
    """``microkube_registry(*plugins, builtins=False)``: a registry of exactly ``plugins``
    (objects, modules or ``(name, plugin)`` pairs), no entry points loaded."""
    from microkube.plugins import registry_for

    def build(*plugins: Any, builtins: bool = False) -> PluginRegistry:
        return registry_for(*plugins, builtins=builtins)

    return build


@_async_fixture
async def microkube_cluster(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    """``await microkube_cluster(*components, **kwargs)``: a started
    :class:`~microkube.testing.cluster.LocalCluster` in a fresh temporary data directory;
    every cluster started this way is stopped after the test."""
    from microkube.testing.cluster import LocalCluster

    started: list[LocalCluster] = []

    async def start(*components: str, **kwargs: Any) -> LocalCluster:
        data_dir = kwargs.pop("data_dir", None) or tmp_path_factory.mktemp("cluster")
        cluster = LocalCluster(data_dir, components or ("apiserver",), **kwargs)
        await cluster.start()
        started.append(cluster)
        return cluster

    yield start
    for cluster in reversed(started):
        await cluster.stop()
