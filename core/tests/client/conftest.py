"""Fixtures of the client tests: a FakeApiServer on loopback and an ApiClient for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from microkube.client import ApiClient
from microkube.testing.fakeapi import FakeApiServer

TOKEN = "test-token"


@pytest.fixture
async def server() -> AsyncIterator[FakeApiServer]:
    async with FakeApiServer(token=TOKEN) as srv:
        yield srv


@pytest.fixture
async def api(server: FakeApiServer) -> AsyncIterator[ApiClient]:
    async with server.api_client() as client:
        yield client


def _pod(name: str, labels: dict[str, str] | None = None, namespace: str = "default") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]},
    }


@pytest.fixture
def make_pod():
    """``make_pod(name, labels=None, namespace="default")``: a minimal Pod manifest."""
    return _pod


async def _wait_until(predicate: Callable[[], object]) -> None:
    for _ in range(600):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not met within 3 s")


@pytest.fixture
def wait_until():
    """``await wait_until(predicate)``: poll a condition on the event loop (3 s at most)."""
    return _wait_until
