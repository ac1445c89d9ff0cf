"""Fixtures for the tests that need a kubelet: a small fake one, HTTPS with a self-signed
certificate (made with ``cryptography``), serving ``/containerLogs``, ``/exec`` and
``/attach`` (WebSocket, ``v5.channel.k8s.io``), ``/portForward`` (WebSocket echo) and
``/stats/summary``, and recording what it was asked."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

STDIN, STDOUT, STDERR, ERROR, CLOSE = 0, 1, 2, 3, 255


def self_signed_context(directory: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-kubelet")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "kubelet.crt", directory / "kubelet.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


class FakeKubelet:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.summary: dict[str, Any] = {"node": {}, "pods": []}
        self.follow_lines = 0
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/containerLogs/{ns}/{pod}/{container}", self._logs)
        app.router.add_route("*", "/exec/{ns}/{pod}/{container}", self._exec)
        app.router.add_route("*", "/attach/{ns}/{pod}/{container}", self._exec)
        app.router.add_route("*", "/portForward/{ns}/{pod}", self._port_forward)
        app.router.add_get("/stats/summary", self._summary)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, "127.0.0.1", 0, ssl_context=self_signed_context(self.directory)
        )
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _record(self, request: web.Request) -> None:
        self.requests.append((request.method, request.path_qs, dict(request.headers)))

    async def _logs(self, request: web.Request) -> web.StreamResponse:
        self._record(request)
        container = request.match_info["container"]
        if container == "waiting":
            text = f'container "waiting" in pod "{request.match_info["pod"]}" is waiting to start'
            return web.Response(status=400, text=text)
        response = web.StreamResponse()
        response.content_type = "text/plain"
        await response.prepare(request)
        await response.write(f"hello from {container}\nsecond line\n".encode())
        if request.query.get("follow") == "true":
            while True:
                self.follow_lines += 1
                await response.write(f"tick {self.follow_lines}\n".encode())
                await asyncio.sleep(0.05)
        await response.write_eof()
        return response

    async def _exec(self, request: web.Request) -> web.StreamResponse:
        self._record(request)
        upgrade = request.headers.get("Upgrade", "").lower()
        if upgrade == "spdy/3.1" and request.query.getall("command", []) == ["reverse"]:
            return await self._raw_reverse(request)
        if upgrade != "websocket":
            return web.Response(status=400, text="fake kubelet: only websocket streams")
        ws = web.WebSocketResponse(protocols=("v5.channel.k8s.io", "v4.channel.k8s.io"))
        await ws.prepare(request)
        commands = request.query.getall("command", [])
        status: dict[str, Any] = {"metadata": {}, "status": "Success"}
        if commands[:1] == ["cat"] and request.query.get("input") == "1":
            async for message in ws:
                if message.type != WSMsgType.BINARY or not message.data:
                    break
                if message.data[0] == STDIN:
                    await ws.send_bytes(bytes([STDOUT]) + message.data[1:])
                elif message.data[0] == CLOSE:
                    break
        elif commands[:1] == ["fail"]:
            await ws.send_bytes(bytes([STDERR]) + b"failing\n")
            status = {
                "metadata": {},
                "status": "Failure",
                "message": "command terminated with non-zero exit code: exit status 3",
                "reason": "NonZeroExitCode",
                "details": {"causes": [{"reason": "ExitCode", "message": "3"}]},
            }
        else:
            words = commands[1:] if commands[:1] == ["echo"] else ["attached"]
            await ws.send_bytes(bytes([STDOUT]) + (" ".join(words) + "\n").encode())
        await ws.send_bytes(bytes([ERROR]) + json.dumps(status).encode())
        await ws.close()
        return ws

    async def _raw_reverse(self, request: web.Request) -> web.StreamResponse:
        """A SPDY-style upgrade (which aiohttp does not parse as one): 101, then every chunk
        of bytes received is sent back reversed until the client closes."""
        switching = web.StreamResponse(status=101)
        switching.headers.update(
            {
                "Connection": "Upgrade",
                "Upgrade": "SPDY/3.1",
                "X-Stream-Protocol-Version": "v5.channel.k8s.io",
            }
        )
        switching.force_close()
        transport = request.transport
        closed = asyncio.Event()

        class Reverser:
            def feed_data(self, data: bytes) -> tuple[bool, bytes]:
                if transport is not None and not transport.is_closing():
                    transport.write(data[::-1])
                return False, b""

            def feed_eof(self) -> None:
                closed.set()

        request.protocol.set_parser(Reverser())  # type: ignore[arg-type]
        await switching.prepare(request)
        await closed.wait()
        return switching

    async def _port_forward(self, request: web.Request) -> web.StreamResponse:
        self._record(request)
        ws = web.WebSocketResponse(protocols=("SPDY/3.1+portforward.k8s.io",))
        await ws.prepare(request)
        async for message in ws:
            if message.type == WSMsgType.BINARY:
                await ws.send_bytes(message.data[::-1])
            else:
                break
        return ws

    async def _summary(self, request: web.Request) -> web.Response:
        self._record(request)
        return web.json_response(self.summary)


async def register_node(api: Any, name: str, port: int, *, ready: bool = True) -> None:
    """A Node whose kubelet is the fake one (InternalIP 127.0.0.1, the fake's port)."""
    await api.create("nodes", {"metadata": {"name": name, "labels": {"disk": "ssd"}}})
    node = await api.get("nodes", name)
    node["status"] = {
        "addresses": [
            {"type": "Hostname", "address": name},
            {"type": "InternalIP", "address": "127.0.0.1"},
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": port}},
        "capacity": {"cpu": "2", "memory": "4Gi", "pods": "110"},
        "allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"},
        "conditions": [
            {"type": "Ready", "status": "True" if ready else "False", "reason": "KubeletReady"}
        ],
    }
    await api.replace_status("nodes", node)


async def create_pod(
    api: Any, name: str, node: str | None, containers: tuple[str, ...] = ("main",), **meta: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": c, "image": "busybox"} for c in containers]}
    if node:
        spec["nodeName"] = node
    body = {"metadata": {"name": name, **meta}, "spec": spec}
    return await api.create("pods", body, "default")


@pytest.fixture
async def kubelet(tmp_path: Path) -> AsyncIterator[FakeKubelet]:
    fake = FakeKubelet(tmp_path)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


class Helpers:
    """Node and pod makers, as a fixture (test modules here cannot import each other)."""

    register_node = staticmethod(register_node)
    create_pod = staticmethod(create_pod)


@pytest.fixture
def helpers() -> type[Helpers]:
    return Helpers
