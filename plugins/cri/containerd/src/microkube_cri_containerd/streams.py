"""Exec and attach through containerd's CRI streaming server (the contract's ``ExecSession``).

CRI ``Exec``/``Attach`` answer with a one-time URL on containerd's streaming server; we speak
Kubernetes' remotecommand protocol ``v4.channel.k8s.io`` to it over SPDY/3.1 (as the kubelet's
own client would; SPDY because only it can half-close stdin, which v4 over WebSocket cannot).
Streams are opened in upstream's order: error, stdin, stdout, stderr, resize. The error stream
carries one ``Status``: ``Success``, ``NonZeroExitCode`` with the code, or a failure message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from microkube.contracts.runtime import RuntimeError_
from microkube.spdy.session import SpdySession, SpdyStream
from microkube_cri_containerd.netns import connect_in

__all__ = ["StreamingSession", "open_session"]

PROTOCOL = "v4.channel.k8s.io"
STDOUT, STDERR = 1, 2


async def _upgrade(
    netns: str | None, url: str, protocol: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    parts = urlsplit(url)
    reader, writer = await connect_in(netns, parts.hostname or "127.0.0.1", parts.port or 80)
    request = (
        f"POST {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\n"
        "Connection: Upgrade\r\n"
        "Upgrade: SPDY/3.1\r\n"
        f"X-Stream-Protocol-Version: {protocol}\r\n"
        "Content-Length: 0\r\n\r\n"
    )
    writer.write(request.encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode(errors="replace")
    if " 101 " not in f"{status_line} ":
        body = b""
        with contextlib.suppress(Exception):
            body = await asyncio.wait_for(reader.read(4096), 1.0)
        writer.close()
        raise RuntimeError_(
            f"streaming server refused the upgrade: {status_line} {body.decode(errors='replace')}"
        )
    return reader, writer, b""


class StreamingSession:
    """One exec or attach over SPDY: stdin, stdout/stderr, resize and the exit status."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self.spdy = SpdySession(self._send, client=True)
        self._pump = asyncio.create_task(self._read())
        self.error: SpdyStream | None = None
        self.stdin: SpdyStream | None = None
        self.stdout: SpdyStream | None = None
        self.stderr: SpdyStream | None = None
        self.resize_stream: SpdyStream | None = None
        self._code: int | None = None
        self._status_read: asyncio.Task[int] | None = None

    async def _send(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()

    async def _read(self) -> None:
        try:
            while data := await self._reader.read(65536):
                await self.spdy.feed(data)
        except (ConnectionError, OSError):
            pass
        finally:
            self.spdy.feed_eof()

    async def open(self, *, stdin: bool, stdout: bool, stderr: bool, tty: bool) -> None:
        self.error = await self.spdy.open_stream({"streamType": "error"})
        if stdin:
            self.stdin = await self.spdy.open_stream({"streamType": "stdin"})
        if stdout:
            self.stdout = await self.spdy.open_stream({"streamType": "stdout"})
        if stderr:
            self.stderr = await self.spdy.open_stream({"streamType": "stderr"})
        if tty:
            self.resize_stream = await self.spdy.open_stream({"streamType": "resize"})
        self._status_read = asyncio.create_task(self._read_status())

    # -- ExecSession ------------------------------------------------------------------------

    async def write_stdin(self, data: bytes) -> None:
        if self.stdin is None:
            raise RuntimeError_("this session has no stdin")
        await self.stdin.write(data)

    async def close_stdin(self) -> None:
        if self.stdin is not None:
            await self.stdin.close()

    async def output(self) -> AsyncIterator[tuple[int, bytes]]:
        queue: asyncio.Queue[tuple[int, bytes] | None] = asyncio.Queue()

        async def drain(number: int, stream: SpdyStream) -> None:
            while data := await stream.read():
                queue.put_nowait((number, data))

        streams = [(n, s) for n, s in ((STDOUT, self.stdout), (STDERR, self.stderr)) if s]
        tasks = [asyncio.create_task(drain(n, s)) for n, s in streams]
        done = asyncio.gather(*tasks, return_exceptions=True)
        done.add_done_callback(lambda _: queue.put_nowait(None))
        try:
            while (item := await queue.get()) is not None:
                yield item
        finally:
            for task in tasks:
                task.cancel()

    async def resize(self, width: int, height: int) -> None:
        if self.resize_stream is not None:
            await self.resize_stream.write(json.dumps({"Width": width, "Height": height}).encode())

    async def wait(self) -> int:
        assert self._status_read is not None, "open() first"
        return await asyncio.shield(self._status_read)

    async def _read_status(self) -> int:
        assert self.error is not None
        raw = b""
        while data := await self.error.read():
            raw += data
        try:
            return _exit_code(raw)
        finally:
            await self.close()

    async def close(self) -> None:
        self._pump.cancel()
        with contextlib.suppress(BaseException):
            await self._pump
        self._writer.close()
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()


def _exit_code(raw: bytes) -> int:
    """The exit code a v4 error-stream ``Status`` reports (empty: the connection just ended,
    as attach does when the container exits)."""
    if not raw.strip():
        return 0
    try:
        status = json.loads(raw)
    except ValueError:
        raise RuntimeError_(raw.decode(errors="replace").strip()) from None
    if status.get("status") == "Success":
        return 0
    if status.get("reason") == "NonZeroExitCode":
        for cause in (status.get("details") or {}).get("causes") or ():
            if cause.get("reason") == "ExitCode":
                return int(cause.get("message", 1))
    raise RuntimeError_(str(status.get("message") or status))


async def open_session(
    netns: str | None, url: str, *, stdin: bool, stdout: bool, stderr: bool, tty: bool
) -> StreamingSession:
    """Connect to a streaming URL and open the streams the request asked for."""
    reader, writer, _ = await _upgrade(netns, url, PROTOCOL)
    session = StreamingSession(reader, writer)
    try:
        await asyncio.wait_for(session.open(stdin=stdin, stdout=stdout, stderr=stderr, tty=tty), 30)
    except BaseException:
        await session.close()
        raise
    return session
