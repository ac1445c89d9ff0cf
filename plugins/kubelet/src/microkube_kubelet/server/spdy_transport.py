"""Switching an HTTP request to SPDY/3.1 and running a SPDY session over a transport: the
raw upgraded socket, or WebSocket binary messages (kubectl's tunnelled port-forward,
subprotocol ``SPDY/3.1+portforward.k8s.io``, where messages are only a byte pipe)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence

from microkube.spdy.frames import SpdyProtocolError
from microkube.spdy.session import SpdySession
from microkube_kubelet.server.http11 import HttpConnection, HttpError, Request
from microkube_kubelet.server.websocket import WebSocket

HEADER_PROTOCOL_VERSION = "X-Stream-Protocol-Version"
#: After the handler is done, how long the client gets to read the last frames and hang up.
LINGER_SECONDS = 5.0
READ_SIZE = 64 * 1024

SessionHandler = Callable[[SpdySession], Awaitable[None]]


def is_spdy_request(request: Request) -> bool:
    return request.wants_upgrade and request.header("upgrade").lower() == "spdy/3.1"


def negotiate(request: Request, supported: Sequence[str]) -> str:
    """The first of the client's ``X-Stream-Protocol-Version`` values we speak (upstream's
    httpstream.Handshake: 400 without any, 403 when none matches)."""
    offered = request.header_tokens(HEADER_PROTOCOL_VERSION)
    if not offered:
        raise HttpError(400, f"unable to upgrade: {HEADER_PROTOCOL_VERSION} is required")
    for protocol in offered:
        if protocol in supported:
            return protocol
    raise HttpError(
        403,
        "unable to upgrade: unable to negotiate protocol: "
        f"client supports {offered}, server accepts {list(supported)}",
    )


async def upgrade(
    conn: HttpConnection, protocol: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    return await conn.switch_protocols(
        [
            ("Connection", "Upgrade"),
            ("Upgrade", "SPDY/3.1"),
            (HEADER_PROTOCOL_VERSION, protocol),
        ]
    )


async def serve_raw(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    trailing: bytes,
    handler: SessionHandler,
) -> None:
    async def send(data: bytes) -> None:
        writer.write(data)
        await writer.drain()

    session = SpdySession(send)

    async def pump() -> None:
        try:
            if trailing:
                await session.feed(trailing)
            while data := await reader.read(READ_SIZE):
                await session.feed(data)
        except (ConnectionError, OSError, SpdyProtocolError):
            pass
        finally:
            session.feed_eof()

    await _run(session, pump(), handler)
    writer.close()


async def serve_tunnelled(ws: WebSocket, handler: SessionHandler) -> None:
    session = SpdySession(ws.send_bytes)

    async def pump() -> None:
        try:
            while (message := await ws.receive()) is not None:
                if isinstance(message, bytes):
                    await session.feed(message)
        except SpdyProtocolError:
            pass
        finally:
            session.feed_eof()

    await _run(session, pump(), handler)
    await ws.close()


async def _run(session: SpdySession, pump: Awaitable[None], handler: SessionHandler) -> None:
    pump_task = asyncio.ensure_future(pump)
    try:
        await handler(session)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(session.closed.wait(), LINGER_SECONDS)
    finally:
        pump_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump_task
