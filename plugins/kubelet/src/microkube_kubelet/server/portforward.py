"""``/portForward``: TCP connections to ports inside a pod, through the runtime.

Two wire protocols: SPDY (kubectl; raw after an ``Upgrade: SPDY/3.1``, or tunnelled in
WebSocket messages), where each forwarded connection is a pair of streams — ``data`` and
``error`` — sharing a ``requestID`` header, with the port in the ``port`` header; and the
WebSocket channel protocol the Python client speaks (``?port=`` per port; channel 2i carries
port i's data and 2i+1 its errors, each channel's first message being the port, little-endian).
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Sequence

from microkube.contracts.runtime import ContainerRuntime, RuntimeError_
from microkube.spdy import frames as spdy_frames
from microkube.spdy.session import SpdySession, SpdyStream
from microkube_kubelet.server.channels import ChannelSocket
from microkube_kubelet.server.directory import PodRef
from microkube_kubelet.server.http11 import HttpError, Request

SPDY_PROTOCOL = "portforward.k8s.io"
TUNNEL_PROTOCOL = "SPDY/3.1+portforward.k8s.io"
READ_SIZE = 64 * 1024


def parse_ports(request: Request) -> list[int]:
    """Ports from ``port=`` (what the API server sends, repeatable) or ``ports=`` (the Python
    client's comma-separated form)."""
    texts = request.params("port")
    for value in request.params("ports"):
        texts.extend(v for v in value.split(",") if v)
    if not texts:
        raise HttpError(400, 'query parameter "port" is required')
    ports = []
    for text in texts:
        try:
            port = int(text)
        except ValueError:
            raise HttpError(400, f'unable to parse "{text}" as a port') from None
        if not 0 < port < 65536:
            raise HttpError(400, f'port "{text}" must be > 0 and < 65536')
        ports.append(port)
    return ports


def _forward_error(pod: PodRef, port: int, exc: BaseException) -> bytes:
    return (
        f"error forwarding port {port} to pod {pod.name}_{pod.namespace}, uid {pod.uid}: {exc}"
    ).encode()


async def _dial(
    runtime: ContainerRuntime, pod: PodRef, port: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await runtime.port_forward(pod.sandbox_id, port)


# -- SPDY -------------------------------------------------------------------------------


def _request_id(stream: SpdyStream) -> str:
    """The pair a stream belongs to; clients before requestID pair by stream id."""
    request_id = stream.headers.get("requestid", "")
    if request_id:
        return request_id
    offset = 2 if stream.stream_type == "data" else 0
    return str(stream.id - offset)


async def serve_spdy(session: SpdySession, runtime: ContainerRuntime, pod: PodRef) -> None:
    """Pair the client's streams and forward each pair until the client leaves."""
    pending: dict[str, dict[str, SpdyStream]] = {}
    tasks: set[asyncio.Task[None]] = set()
    try:
        while (stream := await session.accept()) is not None:
            kind = stream.stream_type
            pair = pending.setdefault(_request_id(stream), {})
            if kind not in ("data", "error") or kind in pair:
                await session.reset_stream(stream, spdy_frames.RST_PROTOCOL_ERROR)
                continue
            pair[kind] = stream
            if len(pair) == 2:
                del pending[_request_id(stream)]
                task = asyncio.create_task(
                    _forward_pair(session, runtime, pod, pair["data"], pair["error"])
                )
                tasks.add(task)
                task.add_done_callback(tasks.discard)
    finally:
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _forward_pair(
    session: SpdySession,
    runtime: ContainerRuntime,
    pod: PodRef,
    data: SpdyStream,
    error: SpdyStream,
) -> None:
    port_text = data.headers.get("port", "")
    try:
        port = int(port_text)
        if not 0 < port < 65536:
            raise ValueError(port_text)
    except ValueError:
        await error.write(f'unable to parse "{port_text}" as a port'.encode())
        await error.close()
        await data.close()
        return
    try:
        reader, writer = await _dial(runtime, pod, port)
    except (OSError, RuntimeError_) as exc:
        await error.write(_forward_error(pod, port, exc))
        await error.close()
        await data.close()
        return

    async def upstream() -> None:
        while chunk := await data.read():
            writer.write(chunk)
            await writer.drain()
        if data.reset:
            writer.close()  # the client abandoned the connection
        elif writer.can_write_eof():
            writer.write_eof()

    sending = asyncio.create_task(upstream())
    try:
        while chunk := await reader.read(READ_SIZE):
            await data.write(chunk)
    except (ConnectionError, OSError):
        pass
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError, OSError):
            await sending
        writer.close()
        await data.close()
        await error.close()


# -- WebSocket channels (the Python client) ------------------------------------------------


async def serve_websocket(
    sock: ChannelSocket, runtime: ContainerRuntime, pod: PodRef, ports: Sequence[int]
) -> None:
    """One connection per requested port, for as long as the WebSocket lives."""
    writers: dict[int, asyncio.StreamWriter] = {}
    readers: list[asyncio.Task[None]] = []
    for index, port in enumerate(ports):
        prefix = struct.pack("<H", port)
        await sock.send(2 * index, prefix)
        await sock.send(2 * index + 1, prefix)
    for index, port in enumerate(ports):
        try:
            reader, writer = await _dial(runtime, pod, port)
        except (OSError, RuntimeError_) as exc:
            await sock.send(2 * index + 1, _forward_error(pod, port, exc))
            continue
        writers[2 * index] = writer
        readers.append(asyncio.create_task(_pod_to_socket(sock, 2 * index, reader)))
    incoming = asyncio.create_task(_socket_to_pods(sock, writers))
    try:
        if readers:
            # Done when every pod connection ended, or the client left.
            all_ended = asyncio.gather(*readers, return_exceptions=True)
            await asyncio.wait({all_ended, incoming}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        incoming.cancel()
        for task in readers:
            task.cancel()
        await asyncio.gather(incoming, *readers, return_exceptions=True)
        for writer in writers.values():
            writer.close()
        await sock.close()


async def _pod_to_socket(sock: ChannelSocket, channel: int, reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while chunk := await reader.read(READ_SIZE):
            await sock.send(channel, chunk)


async def _socket_to_pods(sock: ChannelSocket, writers: dict[int, asyncio.StreamWriter]) -> None:
    with contextlib.suppress(HttpError):
        while (message := await sock.receive()) is not None:
            writer = writers.get(message.channel)
            if writer is not None and message.data:
                with contextlib.suppress(ConnectionError, OSError):
                    writer.write(message.data)
                    await writer.drain()
