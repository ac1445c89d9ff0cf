"""HTTP/1.1 on asyncio streams, with protocol switching, for the kubelet's server.

The kubelet's streaming endpoints switch the connection to another protocol after the
request: WebSocket, or SPDY/3.1 (``Upgrade: SPDY/3.1``), which aiohttp's server cannot hand
over. So the server speaks HTTP/1.1 itself through h11 (python-hyper's sans-I/O HTTP/1.1
state machine: parsing, framing, keep-alive and the ``101 Switching Protocols`` hand-off are
its job) and keeps only the socket plumbing here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qs, urlsplit

import attrs
import h11

#: A request body beyond this is refused (the kubelet's endpoints take none worth the name).
MAX_BODY = 1024 * 1024
READ_SIZE = 64 * 1024


class HttpError(Exception):
    """An error answer: ``status`` and a plain-text message, as the kubelet writes them."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@attrs.frozen
class Request:
    method: str
    path: str
    query: Mapping[str, Sequence[str]]
    headers: Mapping[str, Sequence[str]]

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""

    def header_tokens(self, name: str) -> list[str]:
        """Every comma-separated value of every line of a header, stripped."""
        tokens: list[str] = []
        for line in self.headers.get(name.lower(), ()):
            tokens.extend(t.strip() for t in line.split(",") if t.strip())
        return tokens

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def params(self, name: str) -> list[str]:
        return list(self.query.get(name, ()))

    def flag(self, *names: str) -> bool:
        """A boolean query parameter under any of ``names`` ("1" or "true", as upstream)."""
        return any((self.param(n) or "").lower() in ("1", "true") for n in names)

    @property
    def wants_upgrade(self) -> bool:
        return "upgrade" in (t.lower() for t in self.header_tokens("connection"))


class HttpConnection:
    """One client connection: read requests, answer them, or switch protocols."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self._h11 = h11.Connection(h11.SERVER)
        #: Set by a handler that read from the socket itself: the connection is not reused.
        self.hijacked = False

    async def next_request(self) -> Request | None:
        """The next request (its body read and dropped), or None when the client is gone."""
        try:
            event = await self._next_event()
            if isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                return None
            if not isinstance(event, h11.Request):
                return None
            request = _to_request(event)
            size = 0
            while True:
                body = await self._next_event()
                if isinstance(body, h11.Data):
                    size += len(body.data)
                    if size > MAX_BODY:
                        raise HttpError(413, "request body too large")
                elif isinstance(body, h11.EndOfMessage):
                    return request
                else:
                    return None
        except h11.RemoteProtocolError as exc:
            if self._h11.our_state is h11.SEND_RESPONSE:
                await self.respond(exc.error_status_hint, f"bad request: {exc}\n")
            return None

    @property
    def responded(self) -> bool:
        """Whether an answer (or a protocol switch) has begun."""
        return self._h11.our_state is not h11.SEND_RESPONSE

    @property
    def reusable(self) -> bool:
        return (
            not self.hijacked
            and self._h11.our_state is h11.DONE
            and self._h11.their_state is h11.DONE
        )

    def next_cycle(self) -> None:
        self._h11.start_next_cycle()

    async def respond(
        self,
        status: int,
        body: bytes | str,
        content_type: str = "text/plain; charset=utf-8",
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        response = h11.Response(
            status_code=status,
            headers=[
                ("Content-Type", content_type),
                ("Content-Length", str(len(data))),
                *headers,
            ],
        )
        await self._send(response, h11.Data(data=data) if data else None, h11.EndOfMessage())

    async def respond_json(self, status: int, value: object) -> None:
        await self.respond(status, json.dumps(value), "application/json")

    async def start_stream(self, status: int, content_type: str) -> None:
        """Begin a chunked response; then :meth:`write` pieces and :meth:`end_stream`."""
        await self._send(h11.Response(status_code=status, headers=[("Content-Type", content_type)]))

    async def write(self, data: bytes) -> None:
        if data:
            await self._send(h11.Data(data=data))

    async def end_stream(self) -> None:
        await self._send(h11.EndOfMessage())

    async def switch_protocols(
        self, headers: Sequence[tuple[str, str]]
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
        """Answer ``101 Switching Protocols``; the socket then belongs to the new protocol.
        Returns the streams and the bytes the client already sent past the request."""
        await self._send(h11.InformationalResponse(status_code=101, headers=list(headers)))
        trailing, _closed = self._h11.trailing_data
        return self.reader, self.writer, bytes(trailing)

    async def client_gone(self) -> None:
        """Returns once the client closed its side (used while streaming an endless body)."""
        while await self.reader.read(READ_SIZE):
            pass

    async def _next_event(self) -> object:
        while True:
            event = self._h11.next_event()
            if event is not h11.NEED_DATA:
                return event
            try:
                data = await self.reader.read(READ_SIZE)
            except (ConnectionError, OSError):
                data = b""
            self._h11.receive_data(data)

    async def _send(self, *events: object) -> None:
        for event in events:
            if event is not None:
                data = self._h11.send(event)
                if data:
                    self.writer.write(data)
        await self.writer.drain()


def _to_request(event: h11.Request) -> Request:
    target = event.target.decode("latin-1")
    parts = urlsplit(target)
    headers: dict[str, list[str]] = {}
    for name, value in event.headers:
        headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    return Request(
        method=event.method.decode("ascii"),
        path=parts.path,
        query=parse_qs(parts.query, keep_blank_values=True),
        headers=headers,
    )
