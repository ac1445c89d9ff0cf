"""Server WebSockets (RFC 6455) on an HTTP/1.1 connection, framed by wsproto.

wsproto (python-hyper, sans-I/O, the sibling of h11) does the framing, masking, fragmentation,
ping/pong and close handshake; this module only does the opening handshake on our own
HTTP/1.1 layer (which has to exist for SPDY anyway) and moves bytes. aiohttp's WebSocket
needs aiohttp's HTTP server, which cannot also hand a socket to SPDY.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Message, Ping, TextMessage
from wsproto.utilities import LocalProtocolError, generate_accept_token

from microkube_kubelet.server.http11 import HttpConnection, HttpError, Request

READ_SIZE = 64 * 1024


def is_websocket_request(request: Request) -> bool:
    return request.wants_upgrade and request.header("upgrade").lower() == "websocket"


def check_handshake(request: Request) -> None:
    """HttpError 400 unless ``request`` is a WebSocket opening handshake we can complete."""
    if not request.header("sec-websocket-key") or request.header("sec-websocket-version") != "13":
        raise HttpError(400, "invalid websocket handshake: need Sec-WebSocket-Key, version 13")


def choose_subprotocol(request: Request, supported: Sequence[str]) -> str:
    """The first protocol the client offers that we support (upstream wsstream's rule); no
    offer means the unnamed protocol ``""`` when that is supported."""
    offered = request.header_tokens("sec-websocket-protocol") or [""]
    for protocol in offered:
        if protocol in supported:
            return protocol
    raise HttpError(
        400,
        f"requested protocol(s) are not supported: {offered}; supports {list(supported)}",
    )


class WebSocket:
    """One accepted server WebSocket; ``subprotocol`` is what was negotiated."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        trailing: bytes,
        subprotocol: str,
    ) -> None:
        self.subprotocol = subprotocol
        self._reader = reader
        self._writer = writer
        self._ws = Connection(ConnectionType.SERVER)
        self._pending = trailing
        self._parts: list[bytes | str] = []
        self._send_lock = asyncio.Lock()
        self.closed = False

    @classmethod
    async def accept(
        cls, conn: HttpConnection, request: Request, supported: Sequence[str]
    ) -> WebSocket:
        """Complete the opening handshake (HttpError if the request is not a valid one)."""
        check_handshake(request)
        key = request.header("sec-websocket-key")
        protocol = choose_subprotocol(request, supported)
        headers = [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", generate_accept_token(key.encode())),
        ]
        if protocol:
            headers.append(("Sec-WebSocket-Protocol", protocol))
        reader, writer, trailing = await conn.switch_protocols(headers)
        return cls(reader, writer, trailing, protocol)

    async def receive(self) -> bytes | str | None:
        """The next whole message (bytes or text), or None once the connection closed."""
        while not self.closed:
            for event in self._ws.events():
                if isinstance(event, (BytesMessage, TextMessage)):
                    done = self._collect(event)
                    if done is not None:
                        return done
                elif isinstance(event, Ping):
                    await self._send(event.response())
                elif isinstance(event, CloseConnection):
                    if self._ws.state is ConnectionState.REMOTE_CLOSING:
                        await self._send(event.response())
                    self._shut()
                    return None
            data = self._pending
            self._pending = b""
            if not data:
                try:
                    data = await self._reader.read(READ_SIZE)
                except (ConnectionError, OSError):
                    data = b""
            self._ws.receive_data(data or None)
            if not data:
                self._shut()
                return None
        return None

    async def send_bytes(self, data: bytes) -> None:
        await self._send(BytesMessage(data=data))

    async def send_text(self, text: str) -> None:
        await self._send(TextMessage(data=text))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if not self.closed and self._ws.state is ConnectionState.OPEN:
            await self._send(CloseConnection(code=code, reason=reason or None))
        self._shut()

    def _collect(self, event: Message[bytes] | Message[str]) -> bytes | str | None:
        self._parts.append(event.data)
        if not event.message_finished:
            return None
        parts, self._parts = self._parts, []
        if isinstance(parts[0], bytes):
            return b"".join(p for p in parts if isinstance(p, bytes))
        return "".join(p for p in parts if isinstance(p, str))

    async def _send(self, event: object) -> None:
        if self.closed:
            return
        async with self._send_lock:
            try:
                self._writer.write(self._ws.send(event))  # type: ignore[arg-type]
                await self._writer.drain()
            except (ConnectionError, OSError, RuntimeError, LocalProtocolError):
                self._shut()

    def _shut(self) -> None:
        if not self.closed:
            self.closed = True
            self._writer.close()
