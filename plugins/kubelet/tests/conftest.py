"""Fixtures of the kubelet's tests: a cluster of the real API server and the kubelet over a
runtime the test chooses (the kit's FakeRuntime, registered here under the name ``fake``)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from microkube import hookimpl
from microkube.plugins import PluginRegistry, load_plugins
from microkube.testing.fakes.runtime import FakeRuntime


class FakeRuntimePlugin:
    """Registers one FakeRuntime instance as the ``fake`` runtime."""

    def __init__(self, runtime: FakeRuntime) -> None:
        self.runtime = runtime

    @hookimpl
    def microkube_container_runtimes(self) -> dict[str, Any]:
        return {"fake": lambda context: self.runtime}


def registry_with(runtime: FakeRuntime) -> PluginRegistry:
    registry = load_plugins(None)
    registry.pm.register(FakeRuntimePlugin(runtime), name="test-fake-runtime")
    return registry


async def wait_for(
    check: Callable[[], Awaitable[Any]], *, within: float = 30.0, what: str = "condition"
) -> Any:
    """Poll ``check`` until it returns something truthy (bounded)."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


#: Options that keep tests quick: fast relists, short back-off, frequent node status.
FAST = {
    "node-name": "node-1",
    "port": 0,
    "pleg-relist-period": 0.2,
    "crashloop-backoff-initial": 0.5,
    "crashloop-backoff-max": 4.0,
    "node-status-update-frequency": 0.5,
    "volume-refresh-period": 0.5,
}


@pytest.fixture
def fake_runtime_instance() -> FakeRuntime:
    return FakeRuntime(images=("busybox:latest",))


@pytest.fixture
def kubelet_cluster(microkube_cluster, fake_runtime_instance):  # type: ignore[no-untyped-def]
    """``await kubelet_cluster(**kubelet_options)``: apiserver + kubelet on the fake runtime."""

    async def start(storage: str = "memory", apiserver_port: int = 0, **options: Any):  # type: ignore[no-untyped-def]
        kubelet = {
            **FAST,
            "runtime": "fake",
            **{k.replace("_", "-"): v for k, v in options.items()},
        }
        return await microkube_cluster(
            "apiserver",
            "kubelet",
            storage=storage,
            options={"kubelet": kubelet, "apiserver": {"port": apiserver_port}},
            registry=registry_with(fake_runtime_instance),
        )

    return start


def make_pod(name: str, *containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    """A pod bound to node-1 (no scheduler in these tests)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"nodeName": "node-1", "containers": list(containers), **spec},
    }


@pytest.fixture
def free_port() -> int:
    """A loopback port free right now (for an API server that must come back on it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def pod_manifest():  # type: ignore[no-untyped-def]
    """``pod_manifest(name, *containers, **spec)``: a pod dict bound to node-1."""
    return make_pod


@pytest.fixture
def poll():  # type: ignore[no-untyped-def]
    """``await poll(check, within=30, what=...)``: wait for ``check()`` to be truthy."""
    return wait_for
