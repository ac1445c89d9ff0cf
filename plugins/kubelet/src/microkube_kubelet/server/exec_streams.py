"""The client's side of an exec/attach session over each transport (see
:class:`~microkube_kubelet.server.remotecommand.CommandStreams`): WebSocket channels, or the
SPDY streams named by their ``streamType`` header.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from microkube.spdy.session import SpdySession, SpdyStream
from microkube_kubelet.server import channels
from microkube_kubelet.server.channels import ChannelSocket
from microkube_kubelet.server.http11 import HttpError
from microkube_kubelet.server.remotecommand import JsonObjectStream, parse_resize

#: SPDY stream types (the ``streamType`` header values).
STREAM_STDIN, STREAM_STDOUT, STREAM_STDERR = "stdin", "stdout", "stderr"
STREAM_ERROR, STREAM_RESIZE = "error", "resize"

#: SPDY remotecommand protocols we speak, preferred first (v5 is v4 on SPDY).
SPDY_REMOTECOMMAND_PROTOCOLS = (
    "v5.channel.k8s.io",
    "v4.channel.k8s.io",
    "v3.channel.k8s.io",
    "v2.channel.k8s.io",
)

#: How long a SPDY client has to open the streams it asked for (upstream's default).
STREAM_CREATION_SECONDS = 30.0


def _status_bytes(status: Mapping[str, Any], json_status: bool) -> bytes:
    if json_status:
        return json.dumps(status).encode()
    if status.get("status") == "Success":
        return b""
    return str(status.get("message", "")).encode()


class WebSocketCommandStreams:
    """Exec/attach over a WebSocket channel protocol (v5, v4, v1 and their base64 forms)."""

    def __init__(self, sock: ChannelSocket) -> None:
        self._sock = sock
        self._stdin: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._resizes: asyncio.Queue[tuple[int, int] | None] = asyncio.Queue()
        self._gone = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            while (message := await self._sock.receive()) is not None:
                if message.channel == channels.STDIN and message.data:
                    self._stdin.put_nowait(message.data)
                elif message.channel == channels.RESIZE:
                    size = parse_resize(message.data)
                    if size is not None:
                        self._resizes.put_nowait(size)
                elif message.channel == channels.CLOSE and message.data[:1] == b"\x00":
                    self._stdin.put_nowait(None)
        except HttpError:
            pass
        finally:
            self._stdin.put_nowait(None)
            self._resizes.put_nowait(None)
            self._gone.set()

    async def stdin(self) -> AsyncIterator[bytes]:
        while (data := await self._stdin.get()) is not None:
            yield data

    async def resizes(self) -> AsyncIterator[tuple[int, int]]:
        while (size := await self._resizes.get()) is not None:
            yield size

    async def write_output(self, stream: int, data: bytes) -> None:
        await self._sock.send(stream, data)

    async def write_status(self, status: dict[str, Any]) -> None:
        payload = _status_bytes(status, channels.has_json_status(self._sock.protocol))
        if payload:
            await self._sock.send(channels.ERROR, payload)

    async def gone(self) -> None:
        await self._gone.wait()

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self._sock.close()


class SpdyCommandStreams:
    """Exec/attach over SPDY streams already collected by type."""

    def __init__(
        self, session: SpdySession, streams: Mapping[str, SpdyStream], protocol: str
    ) -> None:
        self._session = session
        self._streams = dict(streams)
        self._json_status = protocol.startswith(("v4.", "v5."))

    async def stdin(self) -> AsyncIterator[bytes]:
        stream = self._streams.get(STREAM_STDIN)
        if stream is None:
            return
        while data := await stream.read():
            yield data

    async def resizes(self) -> AsyncIterator[tuple[int, int]]:
        stream = self._streams.get(STREAM_RESIZE)
        if stream is None:
            return
        decoder = JsonObjectStream()
        while data := await stream.read():
            for value in decoder.feed(data):
                if isinstance(value, dict) and "Width" in value and "Height" in value:
                    yield int(value["Width"]), int(value["Height"])

    async def write_output(self, stream: int, data: bytes) -> None:
        target = self._streams.get(STREAM_STDOUT if stream == 1 else STREAM_STDERR)
        if target is None:
            target = self._streams.get(STREAM_STDOUT)
        if target is not None:
            await target.write(data)

    async def write_status(self, status: dict[str, Any]) -> None:
        error = self._streams.get(STREAM_ERROR)
        if error is not None:
            payload = _status_bytes(status, self._json_status)
            if payload:
                await error.write(payload)

    async def gone(self) -> None:
        await self._session.closed.wait()

    async def close(self) -> None:
        for name in (STREAM_STDOUT, STREAM_STDERR, STREAM_ERROR):
            stream = self._streams.get(name)
            if stream is not None:
                await stream.close()


async def collect_spdy_streams(
    session: SpdySession, wanted: set[str], *, within: float = STREAM_CREATION_SECONDS
) -> dict[str, SpdyStream]:
    """Accept the client's streams until every type in ``wanted`` arrived (HttpError 408 when
    they do not arrive in time, or the client leaves first)."""
    found: dict[str, SpdyStream] = {}

    async def gather() -> None:
        while not wanted <= found.keys():
            stream = await session.accept()
            if stream is None:
                raise HttpError(400, "connection closed before all streams were created")
            if stream.stream_type not in wanted or stream.stream_type in found:
                await session.reset_stream(stream)
                continue
            found[stream.stream_type] = stream

    try:
        await asyncio.wait_for(gather(), within)
    except TimeoutError:
        raise HttpError(408, "timed out waiting for client to create streams") from None
    return found
