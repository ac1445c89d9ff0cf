"""An async HTTP/1.1 client on asyncio streams: TLS, a bounded keep-alive pool, Content-Length,
chunked and read-until-close bodies, and streamed responses read line by line (for watches).

Only what talking to a Kubernetes API server needs: no gzip, no HTTP/2, no redirects, no proxies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import attrs

from microkube import __version__
from microkube.client.errors import RequestTimeoutError, TransportError

USER_AGENT = f"microkube/{__version__}"
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_MAX_LINE = 1 << 20  # status and header lines; chunk data is read by size, not by line

QueryValue = str | int | float | bool | None
Query = Mapping[str, QueryValue] | Sequence[tuple[str, QueryValue]]


class Headers:
    """Response headers: case-insensitive names, repeated names kept in order."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items = list(items)

    def get(self, name: str, default: str | None = None) -> str | None:
        lower = name.lower()
        for key, value in self._items:
            if key.lower() == lower:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        lower = name.lower()
        return [value for key, value in self._items if key.lower() == lower]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@attrs.frozen
class Response:
    """A complete response."""

    status: int
    reason: str
    headers: Headers
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class _ProtocolError(Exception):
    pass


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.reused = False
        self.answered = False  # a status line arrived for the current request

    @property
    def usable(self) -> bool:
        # An idle connection whose peer closed it has its EOF fed already.
        return not (self.writer.is_closing() or self.reader.at_eof())

    def close(self) -> None:
        self.writer.close()


class _Body:
    """Reads one response body in the framing its headers announced."""

    def __init__(self, reader: asyncio.StreamReader, length: int | None, chunked: bool) -> None:
        self._reader = reader
        self._remaining = length
        self._chunked = chunked
        self.done = length == 0 and not chunked

    async def chunk(self) -> bytes:
        """The next piece of the body; ``b""`` once it is complete."""
        if self.done:
            return b""
        try:
            if self._chunked:
                return await self._next_chunk()
            if self._remaining is None:  # delimited by the connection closing
                data = await self._reader.read(65536)
                self.done = not data
                return data
            data = await self._reader.read(min(self._remaining, 65536))
            if not data:
                raise _ProtocolError("connection closed before the body was complete")
            self._remaining -= len(data)
            self.done = self._remaining == 0
            return data
        except asyncio.IncompleteReadError as exc:
            raise _ProtocolError("connection closed in the middle of the body") from exc

    async def _next_chunk(self) -> bytes:
        line = await self._reader.readuntil(b"\r\n")
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _ProtocolError(f"bad chunk size line {line[:40]!r}") from None
        if size == 0:
            while (await self._reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            self.done = True
            return b""
        data = await self._reader.readexactly(size)
        if await self._reader.readexactly(2) != b"\r\n":
            raise _ProtocolError("chunk not followed by CRLF")
        return data

    async def read_all(self) -> bytes:
        parts = []
        while data := await self.chunk():
            parts.append(data)
        return b"".join(parts)


class StreamResponse:
    """A response whose body is read as it arrives (from :meth:`HttpClient.stream`)."""

    def __init__(
        self, status: int, reason: str, headers: Headers, body: _Body, method: str, url: str
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self._body = body
        self._what = f"{method} {url}"

    @property
    def complete(self) -> bool:
        """The whole body has been read (the connection may then be reused)."""
        return self._body.done

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        while True:
            try:
                data = await self._body.chunk()
            except (OSError, _ProtocolError) as exc:
                raise TransportError(f"{self._what}: {exc}") from exc
            if not data:
                return
            yield data

    async def iter_lines(self) -> AsyncIterator[bytes]:
        """Non-empty lines of the body, without their line ends."""
        pending = b""
        async for data in self.iter_chunks():
            pending += data
            if b"\n" not in data:
                continue
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line := line.strip():
                    yield line
        if pending := pending.strip():
            yield pending

    async def read(self) -> bytes:
        return b"".join([data async for data in self.iter_chunks()])


def encode_query(query: Query | None) -> str:
    """``k=v&...`` with None values left out and booleans as ``true``/``false``."""
    if not query:
        return ""
    pairs = query.items() if isinstance(query, Mapping) else query
    encoded = []
    for key, value in pairs:
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        encoded.append((key, str(value)))
    return urlencode(encoded, quote_via=quote, safe="")


class HttpClient:
    """HTTP/1.1 to one server (``base_url``), reusing up to ``max_idle`` idle connections.

    Requests on a reused keep-alive connection that fails before any answer arrives are sent
    once more on a fresh connection (the server closed it while idle). Streams hold their own
    connection and give it back to the pool only if their body was read to its end.
    """

    def __init__(
        self,
        base_url: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        server_hostname: str | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Callable[[], str | None] | None = None,
        max_idle: int = 8,
        connect_timeout: float = 10.0,
        timeout: float = 60.0,
    ) -> None:
        url = urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._tls = url.scheme == "https"
        if self._tls and ssl_context is None:
            ssl_context = ssl.create_default_context()
        self._ssl = ssl_context if self._tls else None
        self._host = url.hostname
        self._port = url.port or (443 if self._tls else 80)
        self._server_hostname = server_hostname
        self._host_header = url.netloc.rpartition("@")[2]
        self._base_path = url.path.rstrip("/")
        self._headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        self._headers.update(headers or {})
        self._auth = auth
        self._max_idle = max_idle
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self._idle: list[_Connection] = []
        self._busy: set[_Connection] = set()
        self._closed = False

    # -- connections --------------------------------------------------------------------

    async def _connect(self) -> _Connection:
        kwargs: dict[str, Any] = {"limit": _MAX_LINE}
        if self._ssl is not None:
            kwargs["ssl"] = self._ssl
            if self._server_hostname:
                kwargs["server_hostname"] = self._server_hostname
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self._host, self._port, **kwargs), self.connect_timeout
            )
        except TimeoutError:
            raise RequestTimeoutError(
                f"connect to {self.base_url}: no answer within {self.connect_timeout}s"
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise TransportError(f"connect to {self.base_url}: {exc}") from exc
        return _Connection(reader, writer)

    async def _acquire(self) -> _Connection:
        if self._closed:
            raise TransportError(f"{self.base_url}: client is closed")
        while self._idle:
            conn = self._idle.pop()
            if conn.usable:
                conn.reused = True
                break
            conn.close()
        else:
            conn = await self._connect()
        conn.answered = False
        self._busy.add(conn)
        return conn

    def _release(self, conn: _Connection, keep_alive: bool) -> None:
        self._busy.discard(conn)
        if keep_alive and not self._closed and len(self._idle) < self._max_idle and conn.usable:
            self._idle.append(conn)
        else:
            conn.close()

    def _discard(self, conn: _Connection) -> None:
        self._busy.discard(conn)
        conn.close()

    async def close(self) -> None:
        """Close idle connections and abort those in use (open streams end with an error)."""
        self._closed = True
        for conn in [*self._idle, *self._busy]:
            conn.close()
        self._idle.clear()
        self._busy.clear()

    # -- one exchange -------------------------------------------------------------------

    def _target(self, path: str, query: Query | None) -> str:
        target = self._base_path + path
        encoded = encode_query(query)
        return f"{target}?{encoded}" if encoded else target

    def _head_bytes(
        self, method: str, target: str, headers: Mapping[str, str] | None, body: bytes | None
    ) -> bytes:
        merged = {k.lower(): (k, v) for k, v in self._headers.items()}
        if self._auth is not None and (value := self._auth()):
            merged["authorization"] = ("Authorization", value)
        for key, value in (headers or {}).items():
            merged[key.lower()] = (key, value)
        merged["host"] = ("Host", self._host_header)
        if body is not None or method in ("POST", "PUT", "PATCH"):
            merged["content-length"] = ("Content-Length", str(len(body or b"")))
        lines = [f"{method} {target} HTTP/1.1"]
        lines += [f"{key}: {value}" for key, value in merged.values()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _read_head(self, conn: _Connection) -> tuple[str, int, str, Headers]:
        while True:
            line = await conn.reader.readuntil(b"\r\n")
            conn.answered = True
            try:
                version, code, *rest = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
                status = int(code)
            except ValueError:
                raise _ProtocolError(f"bad status line {line[:60]!r}") from None
            if not version.startswith("HTTP/1."):
                raise _ProtocolError(f"not HTTP/1.x: {line[:60]!r}")
            items = []
            while (raw := await conn.reader.readuntil(b"\r\n")) != b"\r\n":
                name, sep, value = raw.decode("latin-1").partition(":")
                if not sep:
                    raise _ProtocolError(f"bad header line {raw[:60]!r}")
                items.append((name.strip(), value.strip()))
            if status != 100:  # an interim 100 Continue is followed by the real answer
                return version, status, rest[0] if rest else "", Headers(items)

    async def _exchange(
        self,
        method: str,
        path: str,
        query: Query | None,
        body: bytes | None,
        headers: Mapping[str, str] | None,
    ) -> tuple[_Connection, int, str, Headers, _Body, bool]:
        target = self._target(path, query)
        head = self._head_bytes(method, target, headers, body)
        for attempt in (1, 2):
            conn = await self._acquire()
            try:
                conn.writer.write(head + body if body else head)
                await conn.writer.drain()
                version, status, reason, hdrs = await self._read_head(conn)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                self._discard(conn)
                if attempt == 1 and conn.reused and not conn.answered:
                    continue  # the server dropped an idle keep-alive connection
                raise TransportError(f"{method} {self.base_url}{target}: {exc!r}") from exc
            except _ProtocolError as exc:
                self._discard(conn)
                raise TransportError(f"{method} {self.base_url}{target}: {exc}") from exc
            except BaseException:
                self._discard(conn)
                raise
            connection = (hdrs.get("Connection") or "").lower()
            keep_alive = (
                connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
            )
            chunked = "chunked" in (hdrs.get("Transfer-Encoding") or "").lower()
            length: int | None = None
            if method == "HEAD" or status in (204, 304):
                length = 0
            elif not chunked:
                raw_length = hdrs.get("Content-Length")
                if raw_length is not None:
                    length = int(raw_length)
                else:
                    keep_alive = False  # body ends when the server closes
            return conn, status, reason, hdrs, _Body(conn.reader, length, chunked), keep_alive
        raise AssertionError("unreachable")

    # -- public -------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Send a request and read the whole answer within the client's ``timeout``
        (wrap the call in ``asyncio.timeout`` for a shorter bound)."""
        timeout = self.timeout
        conn: _Connection | None = None
        try:
            async with asyncio.timeout(timeout):
                conn, status, reason, hdrs, reader, keep_alive = await self._exchange(
                    method, path, query, body, headers
                )
                data = await reader.read_all()
        except TimeoutError:
            if conn is not None:
                self._discard(conn)
            raise RequestTimeoutError(
                f"{method} {self.base_url}{path}: no answer within {timeout}s"
            ) from None
        except (OSError, _ProtocolError, asyncio.IncompleteReadError) as exc:
            if conn is not None:
                self._discard(conn)
            if isinstance(exc, TransportError):
                raise
            raise TransportError(f"{method} {self.base_url}{path}: {exc}") from exc
        self._release(conn, keep_alive)
        return Response(status, reason, hdrs, data)

    @contextlib.asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[StreamResponse]:
        """Send a request; yield the answer with its body still to be read.

        The client's ``timeout`` bounds only the wait for the status line and headers.
        """
        timeout = self.timeout
        try:
            async with asyncio.timeout(timeout):
                conn, status, reason, hdrs, reader, keep_alive = await self._exchange(
                    method, path, query, body, headers
                )
        except TimeoutError:
            raise RequestTimeoutError(
                f"{method} {self.base_url}{path}: no answer within {timeout}s"
            ) from None
        response = StreamResponse(status, reason, hdrs, reader, method, self.base_url + path)
        try:
            yield response
        finally:
            if response.complete:
                self._release(conn, keep_alive)
            else:
                self._discard(conn)
