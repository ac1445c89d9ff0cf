"""``pods/exec``, ``attach`` and ``portforward``: a transparent, upgrade-aware proxy to the
kubelet, as kube-apiserver's ``UpgradeAwareHandler``.

The client's request goes to the kubelet with its upgrade headers (``Upgrade``,
``Connection``, ``Sec-WebSocket-*``, ``X-Stream-Protocol-Version``). When the kubelet answers
``101 Switching Protocols``, that answer is relayed with its headers intact and from then on
bytes are copied both ways, untouched, until either side closes: WebSocket (``v5.channel.k8s.io``,
``SPDY/3.1+portforward.k8s.io``) and SPDY/3.1 alike, since neither is interpreted here. Any
other answer is relayed as it is (kubectl falls back from WebSocket to SPDY on a non-101).

aiohttp hands over the connection's bytes through ``request.protocol.set_parser`` (the hook
its own WebSocket support uses): the "parser" installed here forwards every byte it is fed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web
from multidict import CIMultiDict

from microkube_apiserver import errors
from microkube_apiserver.kubelet.location import KubeletLocation
from microkube_apiserver.kubelet.transport import MAX_ERROR_BODY, insecure_tls

__all__ = ["DIAL_SECONDS", "proxy_upgrade"]

log = logging.getLogger(__name__)

#: How long dialing the kubelet and waiting for its answer's head may take.
DIAL_SECONDS = 10.0
_MAX_HEAD = 64 * 1024
_CHUNK = 64 * 1024
#: Request headers not forwarded (hop-by-hop framing, and who the client is to us).
_DROPPED_REQUEST = frozenset(
    {"host", "content-length", "transfer-encoding", "authorization", "keep-alive", "te"}
)
#: Answer headers aiohttp writes itself or that describe a body not relayed this way.
_DROPPED_ANSWER = frozenset({"content-length", "transfer-encoding", "date", "server"})


class _Forwarder:
    """What aiohttp feeds the client's bytes to once the connection is handed over."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self.closed = asyncio.Event()

    def feed_data(self, data: bytes) -> tuple[bool, bytes]:
        if not self._writer.is_closing():
            self._writer.write(data)
        return False, b""

    def feed_eof(self) -> None:
        self.closed.set()
        if not self._writer.is_closing() and self._writer.can_write_eof():
            with contextlib.suppress(OSError, RuntimeError):
                self._writer.write_eof()


def _request_head(request: web.BaseRequest, location: KubeletLocation) -> bytes:
    lines = [f"{request.method} {location.path_qs} HTTP/1.1", f"Host: {location.endpoint.netloc}"]
    for name, value in request.headers.items():
        if name.lower() not in _DROPPED_REQUEST:
            lines.append(f"{name}: {value}")
    if request.method not in ("GET", "HEAD"):
        lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _parse_head(head: bytes) -> tuple[int, str, CIMultiDict[str]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"malformed status line {lines[0]!r}")
    headers: CIMultiDict[str] = CIMultiDict()
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"malformed header line {line!r}")
        headers.add(name.strip(), value.strip())
    return int(parts[1]), parts[2] if len(parts) > 2 else "", headers


async def _read_body(reader: asyncio.StreamReader, headers: CIMultiDict[str]) -> bytes:
    """A non-101 answer's body: by Content-Length, chunked, or up to the kubelet's close."""
    if "chunked" in headers.get("Transfer-Encoding", "").lower():
        body = bytearray()
        while len(body) <= MAX_ERROR_BODY:
            size_line = await reader.readline()
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                break
            body += await reader.readexactly(size)
            await reader.readline()
        return bytes(body)
    length = headers.get("Content-Length")
    if length is not None:
        return await reader.readexactly(min(int(length), MAX_ERROR_BODY))
    return await reader.read(MAX_ERROR_BODY)


async def _dial(
    location: KubeletLocation, head: bytes
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    host, port = location.endpoint.host, location.endpoint.port
    reader, writer = await asyncio.open_connection(
        host, port, ssl=insecure_tls(), server_hostname=host, limit=_MAX_HEAD
    )
    try:
        writer.write(head)
        await writer.drain()
        answer = await reader.readuntil(b"\r\n\r\n")
    except BaseException:
        writer.close()
        raise
    return reader, writer, answer


async def proxy_upgrade(request: web.BaseRequest, location: KubeletLocation) -> web.StreamResponse:
    """Proxy one exec/attach/portforward request to the kubelet at ``location``."""
    try:
        reader, writer, head = await asyncio.wait_for(
            _dial(location, _request_head(request, location)), DIAL_SECONDS
        )
    except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        detail = str(exc) or type(exc).__name__
        raise errors.ApiError(500, "", f"error dialing backend: {detail}") from None
    try:
        try:
            status, reason, headers = _parse_head(head)
        except ValueError as exc:
            raise errors.ApiError(500, "", f"error reading backend answer: {exc}") from None
        if status != 101:
            body = await asyncio.wait_for(_read_body(reader, headers), DIAL_SECONDS)
            answer = web.Response(status=status, reason=reason or None, body=body)
            for name, value in headers.items():
                if name.lower() not in _DROPPED_ANSWER and name.lower() != "connection":
                    answer.headers.add(name, value)
            return answer
        return await _splice(request, reader, writer, reason, headers)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def _splice(
    request: web.BaseRequest,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    reason: str,
    headers: CIMultiDict[str],
) -> web.StreamResponse:
    switching = web.StreamResponse(status=101, reason=reason or "Switching Protocols")
    for name, value in headers.items():
        if name.lower() not in _DROPPED_ANSWER:
            switching.headers.add(name, value)
    switching.force_close()
    forwarder = _Forwarder(writer)
    # Installed before the 101 goes out, so no byte the client sends after it is missed.
    request.protocol.set_parser(forwarder)  # type: ignore[arg-type]
    await switching.prepare(request)
    transport = request.transport
    if transport is None:
        return switching
    client_closed = asyncio.ensure_future(forwarder.closed.wait())
    try:
        while True:
            read = asyncio.ensure_future(reader.read(_CHUNK))
            done, _ = await asyncio.wait({read, client_closed}, return_when=asyncio.FIRST_COMPLETED)
            if read not in done:
                read.cancel()
                break
            data = read.result()
            if not data or transport.is_closing():
                break
            await switching.write(data)  # raw (no chunking on a 101), drained when queued up
    except (ConnectionError, OSError) as exc:
        log.debug("proxied stream ended: %s", exc)
    finally:
        client_closed.cancel()
        if not transport.is_closing():
            transport.close()
    return switching
