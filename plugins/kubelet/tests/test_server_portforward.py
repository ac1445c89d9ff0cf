"""``/portForward``: kubectl's SPDY (tunnelled in WebSocket, and raw) and the Python client's
WebSocket channels, carrying bytes to a real TCP server standing in for the pod's."""

from __future__ import annotations

import asyncio
import contextlib
import os
import struct
from pathlib import Path

import aiohttp
import pytest
from microkube_kubelet.server import KubeletServer
from microkube_kubelet.server.testing import StaticPodDirectory, run_pod, spdy_connect

from microkube.spdy.frames import SpdyProtocolError
from microkube.spdy.session import SpdySession
from microkube.testing.fakes.runtime import FakeRuntime

POD_PORT = 8080


class UpperEchoServer:
    """A TCP server answering every chunk upper-cased; remembers closed connections."""

    def __init__(self) -> None:
        self.closed = 0
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data.upper())
                await writer.drain()
        writer.close()
        self.closed += 1

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()


@pytest.fixture
async def kubelet(tmp_path: Path):
    runtime = FakeRuntime()
    directory = StaticPodDirectory()
    server = KubeletServer(runtime, directory, node_name="node-a", port=0, cert_dir=tmp_path)
    await server.start()
    pod = await run_pod(runtime, directory, tmp_path / "logs")
    echo = UpperEchoServer()
    runtime.forward_port(pod.sandbox_id, POD_PORT, "127.0.0.1", await echo.start())
    http = aiohttp.ClientSession()
    server.test_echo = echo  # type: ignore[attr-defined]
    server.test_http = http  # type: ignore[attr-defined]
    yield server
    await http.close()
    await server.stop()
    await echo.stop()
    await runtime.close()


async def wait_for(predicate, within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def read_all(stream) -> bytes:
    got = b""
    while chunk := await asyncio.wait_for(stream.read(), 30):
        got += chunk
    return got


async def forward_once(
    session: SpdySession, request_id: str, payload: bytes
) -> tuple[bytes, bytes]:
    """One forwarded connection as kubectl makes it: error stream, then data stream."""
    headers = {"port": str(POD_PORT), "requestid": request_id}
    error = await session.open_stream({"streamtype": "error", **headers})
    data = await session.open_stream({"streamtype": "data", **headers})
    await data.write(payload)
    await data.close()  # half-close: the pod side sees end of input and hangs up
    return await read_all(data), await read_all(error)


@contextlib.asynccontextmanager
async def tunnel(kubelet: KubeletServer):
    """kubectl's default: SPDY inside WebSocket binary messages."""
    url = f"https://127.0.0.1:{kubelet.port}/portForward/default/web"
    async with kubelet.test_http.ws_connect(
        url, protocols=["SPDY/3.1+portforward.k8s.io"], ssl=False
    ) as ws:
        assert ws.protocol == "SPDY/3.1+portforward.k8s.io"
        session = SpdySession(ws.send_bytes, client=True)

        async def pump() -> None:
            try:
                async for message in ws:
                    if message.type is aiohttp.WSMsgType.BINARY:
                        await session.feed(message.data)
            except SpdyProtocolError:
                pass
            finally:
                session.feed_eof()

        task = asyncio.create_task(pump())
        try:
            yield session
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def test_websocket_tunnelled_spdy(kubelet: KubeletServer) -> None:
    async with tunnel(kubelet) as session:
        first, second = await asyncio.gather(
            forward_once(session, "0", b"hello"), forward_once(session, "1", b"again")
        )
        assert first == (b"HELLO", b"")
        assert second == (b"AGAIN", b"")
        # A larger transfer keeps every byte in order.
        blob = os.urandom(1024 * 1024).hex().encode()[: 1024 * 1024]
        data, error = await forward_once(session, "2", blob)
        assert data == blob.upper() and error == b""
    await wait_for(lambda: kubelet.test_echo.closed == 3)


async def test_raw_spdy(kubelet: KubeletServer) -> None:
    conn = await spdy_connect(
        "127.0.0.1", kubelet.port, "/portForward/default/web", ["portforward.k8s.io"]
    )
    assert conn.protocol == "portforward.k8s.io"
    assert await forward_once(conn.session, "0", b"raw") == (b"RAW", b"")
    await conn.close()


async def test_dial_failure_goes_to_the_error_stream(kubelet: KubeletServer) -> None:
    async with tunnel(kubelet) as session:
        headers = {"port": "1", "requestid": "0"}
        error = await session.open_stream({"streamtype": "error", **headers})
        data = await session.open_stream({"streamtype": "data", **headers})
        message = (await read_all(error)).decode()
        assert message.startswith("error forwarding port 1 to pod web_default, uid uid-1:")
        assert await read_all(data) == b""


async def test_client_reset_closes_the_pod_connection(kubelet: KubeletServer) -> None:
    async with tunnel(kubelet) as session:
        headers = {"port": str(POD_PORT), "requestid": "0"}
        await session.open_stream({"streamtype": "error", **headers})
        data = await session.open_stream({"streamtype": "data", **headers})
        await data.write(b"x")
        assert await asyncio.wait_for(data.read(), 30) == b"X"
        await session.reset_stream(data)  # kubectl RSTs (CANCEL) when its local client is done
        await wait_for(lambda: kubelet.test_echo.closed == 1)


async def test_python_client_websocket_channels(kubelet: KubeletServer) -> None:
    url = f"https://127.0.0.1:{kubelet.port}/portForward/default/web?ports={POD_PORT}"
    async with kubelet.test_http.ws_connect(
        url, protocols=["v5.channel.k8s.io", "v4.channel.k8s.io"], ssl=False
    ) as ws:
        assert ws.protocol == "v4.channel.k8s.io"
        prefix = struct.pack("<H", POD_PORT)
        first = [await asyncio.wait_for(ws.receive_bytes(), 30) for _ in range(2)]
        assert first == [b"\x00" + prefix, b"\x01" + prefix]
        await ws.send_bytes(b"\x00over websocket")
        assert await asyncio.wait_for(ws.receive_bytes(), 30) == b"\x00OVER WEBSOCKET"
    await wait_for(lambda: kubelet.test_echo.closed == 1)


async def test_websocket_channels_need_a_port(kubelet: KubeletServer) -> None:
    url = f"https://127.0.0.1:{kubelet.port}/portForward/default/web"
    with pytest.raises(aiohttp.WSServerHandshakeError) as error:
        await kubelet.test_http.ws_connect(url, protocols=["v4.channel.k8s.io"], ssl=False)
    assert error.value.status == 400
    url = f"https://127.0.0.1:{kubelet.port}/portForward/default/ghost"
    with pytest.raises(aiohttp.WSServerHandshakeError) as error:
        await kubelet.test_http.ws_connect(
            url, protocols=["SPDY/3.1+portforward.k8s.io"], ssl=False
        )
    assert error.value.status == 404
