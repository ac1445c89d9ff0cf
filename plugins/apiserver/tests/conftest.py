"""Fixtures for the API server's tests: a real server in-process (memory storage) and one in a
subprocess (``microkube apiserver`` over sqlite, stopped by PID), with small HTTP helpers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from microkube_apiserver.admission.chain import build_chain
from microkube_apiserver.component import ApiServer
from microkube_apiserver.options import ApiServerOptions

from microkube.contracts import FactoryContext
from microkube.plugins import load_plugins

MICROKUBE = Path(sys.executable).with_name("microkube")


class Reply:
    """One HTTP answer: status, parsed JSON body (None if not JSON), headers."""

    def __init__(self, status: int, body: Any, headers: Any, text: str) -> None:
        self.status = status
        self.body = body
        self.headers = headers
        self.text = text

    def __repr__(self) -> str:
        return f"<Reply {self.status} {self.text[:300]}>"

    @property
    def warnings(self) -> list[str]:
        return self.headers.getall("Warning", [])


class Client:
    """Minimal async HTTP client for one server."""

    def __init__(self, base: str, session: aiohttp.ClientSession) -> None:
        self.base = base
        self.session = session

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        data: bytes | str | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Reply:
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if body is not None:
            data = json.dumps(body)
        async with self.session.request(
            method, self.base + path, data=data, headers=all_headers, params=params
        ) as response:
            text = await response.text()
            try:
                parsed = json.loads(text) if text else None
            except ValueError:
                parsed = None
            return Reply(response.status, parsed, response.headers, text)

    async def get(self, path: str, **kw: Any) -> Reply:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return await self.request("POST", path, body, **kw)

    async def put(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return await self.request("PUT", path, body, **kw)

    async def patch(self, path: str, body: Any, patch_type: str = "merge", **kw: Any) -> Reply:
        content_type = {
            "merge": "application/merge-patch+json",
            "json": "application/json-patch+json",
            "strategic": "application/strategic-merge-patch+json",
            "apply": "application/apply-patch+yaml",
        }[patch_type]
        return await self.request("PATCH", path, body, content_type=content_type, **kw)

    async def delete(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return await self.request("DELETE", path, body, **kw)

    async def watch_lines(
        self,
        path: str,
        count: int,
        *,
        seconds: float = 5.0,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        on_open: Any = None,
    ) -> list[dict[str, Any]]:
        """Open a watch, call ``on_open()`` (to cause events), read ``count`` events."""
        events: list[dict[str, Any]] = []
        query = {"watch": "true", **(params or {})}
        client_timeout = aiohttp.ClientTimeout(total=seconds)
        async with self.session.get(
            self.base + path, params=query, timeout=client_timeout, headers=headers
        ) as response:
            assert response.status == 200, await response.text()
            if on_open is not None:
                await on_open()
            while len(events) < count:
                line = await response.content.readline()
                if not line:
                    break
                events.append(json.loads(line))
        return events


def _registry() -> Any:
    return load_plugins(["microkube.storage", "microkube.admission"])


@pytest.fixture
def server_options() -> ApiServerOptions:
    """Options of the in-process server; tests may override this fixture."""
    return ApiServerOptions(port=0, bookmark_interval=0.3, too_large_rv_wait=0.2)


@pytest.fixture
async def apiserver(tmp_path: Path, server_options: ApiServerOptions) -> AsyncIterator[ApiServer]:
    """A real API server on an ephemeral port, memory storage, the built-in admission chain."""
    registry = _registry()
    storage_factory = registry.select("microkube_storage_backends", "memory")
    storage = storage_factory(FactoryContext(data_dir=tmp_path, options={"progress-interval": 0.1}))
    chain = build_chain(registry, server_options, tmp_path)
    server = ApiServer(storage, server_options, chain)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def client(apiserver: ApiServer) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession() as session:
        yield Client(apiserver.url, session)


class Subprocess:
    """``microkube apiserver`` running in a child process."""

    def __init__(self, data_dir: Path, process: subprocess.Popen[str]) -> None:
        self.data_dir = data_dir
        self.process = process
        self.kubeconfig = data_dir / "kubeconfig"

    @property
    def url(self) -> str:
        config = json.loads(self.kubeconfig.read_text())
        return config["clusters"][0]["cluster"]["server"]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.close_pipes()

    def kill(self) -> None:
        """SIGKILL: no chance to flush or clean up (a crash)."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.close_pipes()

    def close_pipes(self) -> None:
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def start_subprocess(data_dir: Path, config: Path | None = None, *, tls: bool = True) -> Subprocess:
    """Start ``microkube apiserver --port 0`` and wait for its ``export KUBECONFIG`` line
    (``tls=False``: plain HTTP, anonymous and always allowed, for raw HTTP clients)."""
    command = [str(MICROKUBE), "apiserver", "--data-dir", str(data_dir), "--port", "0"]
    if not tls and config is None:
        config = data_dir.parent / f"{data_dir.name}-plain-http.json"
        plain = {"tls": False, "authorization-modes": ["always-allow"]}
        config.write_text(json.dumps({"options": {"apiserver": plain}}))
    if config is not None:
        command[1:1] = ["--config", str(config)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    line = process.stdout.readline()
    if not line.startswith("export KUBECONFIG="):
        process.kill()
        raise AssertionError(f"server did not start: {line!r} {process.stderr.read()}")
    return Subprocess(data_dir, process)


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Subprocess]:
    """One subprocess server (sqlite storage) shared by a test module."""
    data_dir = tmp_path_factory.mktemp("cluster")
    server = start_subprocess(data_dir)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def start_server() -> Iterator[Any]:
    """``start_server(data_dir)`` starts a subprocess server over plain HTTP (raw HTTP
    clients use it); all are stopped afterwards."""
    started: list[Subprocess] = []

    def start(data_dir: Path) -> Subprocess:
        server = start_subprocess(data_dir, tls=False)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
