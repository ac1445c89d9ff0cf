"""``/exec`` and ``/attach`` over every protocol kubectl and the Python client speak:
WebSocket v5/v4/v1 (binary and base64) and SPDY/3.1 — against the fake runtime's sessions."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from microkube_kubelet.server import KubeletServer
from microkube_kubelet.server.testing import (
    StaticPodDirectory,
    UpgradeRefused,
    run_pod,
    spdy_connect,
)

from microkube.testing.fakes.runtime import FakeRuntime

SPDY_EXEC_PROTOCOLS = [
    "v5.channel.k8s.io",
    "v4.channel.k8s.io",
    "v3.channel.k8s.io",
    "v2.channel.k8s.io",
    "channel.k8s.io",
]


class SessionCapturingRuntime(FakeRuntime):
    """The fake runtime, keeping every exec/attach session for the test to inspect."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[Any] = []

    async def exec(self, container_id, command, *, stdin, tty):  # type: ignore[override]
        session = await super().exec(container_id, command, stdin=stdin, tty=tty)
        self.sessions.append(session)
        return session

    async def attach(self, container_id, *, stdin, tty):  # type: ignore[override]
        session = await super().attach(container_id, stdin=stdin, tty=tty)
        self.sessions.append(session)
        return session


@pytest.fixture
async def kubelet(tmp_path: Path):
    runtime = SessionCapturingRuntime()
    directory = StaticPodDirectory()
    server = KubeletServer(runtime, directory, node_name="node-a", port=0, cert_dir=tmp_path)
    await server.start()
    pod = await run_pod(runtime, directory, tmp_path / "logs", stdin=True)
    http = aiohttp.ClientSession()
    server.test_runtime = runtime  # type: ignore[attr-defined]
    server.test_pod = pod  # type: ignore[attr-defined]
    server.test_http = http  # type: ignore[attr-defined]
    yield server
    await http.close()
    await server.stop()
    await runtime.close()


def url(server: KubeletServer, path: str) -> str:
    return f"https://127.0.0.1:{server.port}{path}"


async def collect_ws(ws: aiohttp.ClientWebSocketResponse, *, base64_frames: bool = False):
    """Every message until the server closes: {channel: bytes}."""
    got: dict[int, bytes] = {}
    while True:
        message = await asyncio.wait_for(ws.receive(), 30)
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            return got
        if base64_frames:
            assert message.type is aiohttp.WSMsgType.TEXT
            channel, data = int(message.data[0]), base64.b64decode(message.data[1:])
        else:
            assert message.type is aiohttp.WSMsgType.BINARY
            channel, data = message.data[0], message.data[1:]
        got[channel] = got.get(channel, b"") + data


async def test_websocket_v5_exit_code_status(kubelet: KubeletServer) -> None:
    path = "/exec/default/web/main?command=sh&command=-c&command=echo hi; exit 3&output=1&error=1"
    async with kubelet.test_http.ws_connect(
        url(kubelet, path), protocols=["v5.channel.k8s.io"], ssl=False
    ) as ws:
        assert ws.protocol == "v5.channel.k8s.io"
        got = await collect_ws(ws)
    assert got[1] == b"hi\n"
    status = json.loads(got[3])
    assert status["status"] == "Failure"
    assert status["reason"] == "NonZeroExitCode"
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]
    assert status["message"].startswith("command terminated with non-zero exit code")


async def test_websocket_v5_stdin_and_close_signal(kubelet: KubeletServer) -> None:
    path = "/exec/default/web/main?command=cat&input=1&output=1&error=1"
    async with kubelet.test_http.ws_connect(
        url(kubelet, path), protocols=["v5.channel.k8s.io"], ssl=False
    ) as ws:
        await ws.send_bytes(b"\x00hello ")
        await ws.send_bytes(b"\x00world")
        await ws.send_bytes(b"\xff\x00")  # v5: stdin is closed
        got = await collect_ws(ws)
    assert got[1] == b"hello world"
    assert json.loads(got[3]) == {"metadata": {}, "status": "Success"}


async def test_websocket_tty_resize_and_interactive_shell(kubelet: KubeletServer) -> None:
    # The API server's own parameter names (stdin/stdout/tty=true) are accepted too.
    path = "/exec/default/web/main?command=sh&stdin=true&stdout=true&tty=true"
    async with kubelet.test_http.ws_connect(
        url(kubelet, path), protocols=["v5.channel.k8s.io"], ssl=False
    ) as ws:
        await ws.send_bytes(b"\x04" + json.dumps({"Width": 120, "Height": 40}).encode())
        await ws.send_bytes(b"\x00echo inside\n")
        first = await asyncio.wait_for(ws.receive(), 30)
        assert first.data == b"\x01inside\n"
        await ws.send_bytes(b"\x00exit 0\n")
        await collect_ws(ws)
    session = kubelet.test_runtime.sessions[-1]
    assert session.tty and session.sizes == [(120, 40)]


async def test_websocket_v4_and_base64_protocols(kubelet: KubeletServer) -> None:
    path = "/exec/default/web/main?command=false&output=1&error=1"
    async with kubelet.test_http.ws_connect(
        url(kubelet, path), protocols=["v4.channel.k8s.io"], ssl=False
    ) as ws:
        assert ws.protocol == "v4.channel.k8s.io"
        got = await collect_ws(ws)
    assert json.loads(got[3])["details"]["causes"][0]["message"] == "1"

    path = "/exec/default/web/main?command=echo&command=b64&output=1&error=1"
    async with kubelet.test_http.ws_connect(
        url(kubelet, path), protocols=["base64.channel.k8s.io"], ssl=False
    ) as ws:
        got = await collect_ws(ws, base64_frames=True)
    assert got == {1: b"b64\n"}  # v1 protocols write nothing on the error channel on success

    path = "/exec/default/web/main?command=nope&output=1&error=1"
    async with kubelet.test_http.ws_connect(
        url(kubelet, path), protocols=["channel.k8s.io"], ssl=False
    ) as ws:
        got = await collect_ws(ws)
    assert got[2] == b"sh: nope: not found\n"
    assert got[3].startswith(b"command terminated with non-zero exit code")


async def spdy_exec(kubelet: KubeletServer, query: str, stream_types: list[str]):
    conn = await spdy_connect(
        "127.0.0.1", kubelet.port, f"/exec/default/web/main?{query}", SPDY_EXEC_PROTOCOLS
    )
    streams = {}
    for kind in stream_types:  # kubectl opens the error stream first
        streams[kind] = await conn.session.open_stream({"streamtype": kind})
    return conn, streams


async def read_all(stream) -> bytes:
    got = b""
    while chunk := await asyncio.wait_for(stream.read(), 30):
        got += chunk
    return got


async def test_spdy_exec_with_exit_code(kubelet: KubeletServer) -> None:
    conn, streams = await spdy_exec(
        kubelet,
        "command=sh&command=-c&command=echo%20out%3B%20exit%207&output=1&error=1",
        ["error", "stdout", "stderr"],
    )
    assert conn.protocol == "v5.channel.k8s.io"
    assert await read_all(streams["stdout"]) == b"out\n"
    assert await read_all(streams["stderr"]) == b""
    status = json.loads(await read_all(streams["error"]))
    assert status["reason"] == "NonZeroExitCode"
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "7"}]
    await conn.close()


async def test_spdy_exec_stdin_tty_and_resize(kubelet: KubeletServer) -> None:
    conn, streams = await spdy_exec(
        kubelet,
        "command=sh&input=1&output=1&tty=1",
        ["error", "stdin", "stdout", "resize"],
    )
    await streams["resize"].write(b'{"Width":100,"Height":30}{"Width":90,')
    await streams["resize"].write(b'"Height":20}')
    await streams["stdin"].write(b"echo spdy\n")
    await streams["stdin"].close()  # end of input: the shell exits
    assert await read_all(streams["stdout"]) == b"spdy\n"
    assert json.loads(await read_all(streams["error"]))["status"] == "Success"
    assert kubelet.test_runtime.sessions[-1].sizes == [(100, 30), (90, 20)]
    await conn.close()


async def test_spdy_v2_writes_errors_as_text(kubelet: KubeletServer) -> None:
    conn = await spdy_connect(
        "127.0.0.1",
        kubelet.port,
        "/exec/default/web/main?command=false&output=1",
        ["v2.channel.k8s.io"],
    )
    assert conn.protocol == "v2.channel.k8s.io"
    error = await conn.session.open_stream({"streamtype": "error"})
    await conn.session.open_stream({"streamtype": "stdout"})
    assert (await read_all(error)).startswith(b"command terminated with non-zero exit code")
    await conn.close()


async def test_attach_streams_the_main_process(kubelet: KubeletServer) -> None:
    path = "/attach/default/web/main?input=1&output=1&error=1"
    async with kubelet.test_http.ws_connect(
        url(kubelet, path), protocols=["v5.channel.k8s.io"], ssl=False
    ) as ws:
        await ws.send_bytes(b"\x00typed\n")
        echoed = await asyncio.wait_for(ws.receive(), 30)
        assert echoed.data == b"\x01typed\n"
        kubelet.test_runtime.exit_container(kubelet.test_pod.containers["main"].container_id, 2)
        got = await collect_ws(ws)
    # Attach reports Success when the process's streams end (upstream does the same).
    assert json.loads(got[3])["status"] == "Success"


async def test_request_errors(kubelet: KubeletServer) -> None:
    http = kubelet.test_http
    async with http.get(url(kubelet, "/exec/default/web/main?command=ls&output=1"), ssl=False) as r:
        assert (r.status, await r.text()) == (400, "Upgrade request required")
    with pytest.raises(aiohttp.WSServerHandshakeError) as error:
        await http.ws_connect(
            url(kubelet, "/exec/default/web/ghost?command=ls&output=1"),
            protocols=["v5.channel.k8s.io"],
            ssl=False,
        )
    assert error.value.status == 404
    with pytest.raises(aiohttp.WSServerHandshakeError) as error:
        await http.ws_connect(
            url(kubelet, "/exec/default/web/main?command=ls"),
            protocols=["v5.channel.k8s.io"],
            ssl=False,
        )
    assert error.value.status == 400  # none of stdin, stdout, stderr
    with pytest.raises(aiohttp.WSServerHandshakeError) as error:
        await http.ws_connect(
            url(kubelet, "/exec/default/web/main?command=ls&output=1"),
            protocols=["v9.channel.k8s.io"],
            ssl=False,
        )
    assert error.value.status == 400
    with pytest.raises(UpgradeRefused) as refused:
        await spdy_connect(
            "127.0.0.1", kubelet.port, "/exec/default/web/main?command=ls&output=1", ["v9"]
        )
    assert refused.value.status == 403
    assert b"unable to negotiate protocol" in refused.value.body
    # A stopped container cannot exec: the runtime's error before the upgrade, as upstream.
    kubelet.test_runtime.exit_container(kubelet.test_pod.containers["main"].container_id, 0)
    with pytest.raises(aiohttp.WSServerHandshakeError) as error:
        await http.ws_connect(
            url(kubelet, "/exec/default/web/main?command=ls&output=1"),
            protocols=["v5.channel.k8s.io"],
            ssl=False,
        )
    assert error.value.status == 500
