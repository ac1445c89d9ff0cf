"""One SPDY/3.1 connection: the streams either side opens, read and written.

Transport-neutral: bytes come in through :meth:`SpdySession.feed` (from a raw upgraded socket
or from WebSocket binary messages, for kubectl's tunnelled port-forward) and go out through
the ``send`` coroutine given at construction. Every SYN_STREAM is answered with a SYN_REPLY
(the client waits for it) and queued for :meth:`SpdySession.accept`. PING is echoed; SETTINGS,
WINDOW_UPDATE and HEADERS are ignored (kubectl's spdystream does no flow control).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from microkube.spdy import frames

#: Largest DATA frame we send (keeps frames of concurrent streams interleaving fairly).
MAX_DATA_CHUNK = 32 * 1024
#: Unread input a stream may hold before the connection stops reading from the peer (SPDY
#: windows are not used by kubectl, so TCP's own back-pressure is what slows a fast sender).
MAX_BUFFERED_INPUT = 4 * 1024 * 1024


class SpdyStream:
    """One stream opened by the client: its headers, its input, and our half to write."""

    def __init__(self, session: SpdySession, stream_id: int, headers: dict[str, str]) -> None:
        self.id = stream_id
        self.headers = headers
        self._session = session
        self._input: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._input_ended = False
        self._buffered = 0
        self._drained = asyncio.Event()
        self.local_closed = False
        self.reset = False

    @property
    def stream_type(self) -> str:
        return self.headers.get("streamtype", "")

    async def read(self) -> bytes:
        """The next data from the client; ``b""`` once it half-closed (FIN) or reset."""
        if self._input_ended and self._input.empty():
            return b""
        item = await self._input.get()
        if item is None:
            self._input.put_nowait(None)
            return b""
        self._buffered -= len(item)
        if self._buffered <= MAX_BUFFERED_INPUT:
            self._drained.set()
        return item

    async def _wait_until_drained(self) -> None:
        while self._buffered > MAX_BUFFERED_INPUT and not self._input_ended:
            self._drained.clear()
            await self._drained.wait()

    async def write(self, data: bytes) -> None:
        if self.local_closed or self.reset:
            return
        for start in range(0, len(data), MAX_DATA_CHUNK):
            await self._session.send_frame(
                frames.encode_data(self.id, data[start : start + MAX_DATA_CHUNK])
            )

    async def close(self) -> None:
        """Half-close our side (an empty DATA frame with FIN)."""
        if self.local_closed or self.reset:
            return
        self.local_closed = True
        await self._session.send_frame(frames.encode_data(self.id, b"", fin=True))

    def _receive(self, data: bytes) -> None:
        if not self._input_ended and data:
            self._buffered += len(data)
            self._input.put_nowait(data)

    def _end_input(self) -> None:
        if not self._input_ended:
            self._input_ended = True
            self._input.put_nowait(None)
            self._drained.set()


class SpdySession:
    """A SPDY/3.1 connection. As the server (the kubelet) it accepts the streams the client
    opens; as a client (``client=True``; tests, tools) it opens them with :meth:`open_stream`.
    """

    def __init__(self, send: Callable[[bytes], Awaitable[None]], *, client: bool = False) -> None:
        self._send = send
        self._next_id = 1 if client else 2  # client streams are odd, server streams even
        self._replies: dict[int, asyncio.Future[dict[str, str]]] = {}
        self._reader = frames.FrameReader()
        self._compressor = frames.HeaderCompressor()
        self._decompressor = frames.HeaderDecompressor()
        self._streams: dict[int, SpdyStream] = {}
        self._accepted: asyncio.Queue[SpdyStream | None] = asyncio.Queue()
        self._write_lock = asyncio.Lock()
        self._last_stream_id = 0
        self.closed = asyncio.Event()

    async def feed(self, data: bytes) -> None:
        """Bytes from the client; raises SpdyProtocolError on garbage."""
        for frame in self._reader.feed(data):
            if isinstance(frame, frames.DataFrame):
                stream = self._on_data(frame)
                if stream is not None:
                    await stream._wait_until_drained()
            else:
                await self._on_control(frame)

    def feed_eof(self) -> None:
        """The client's connection ended: every stream's input ends, accept() returns None."""
        for stream in self._streams.values():
            stream._end_input()
            stream.reset = True
        for reply in self._replies.values():
            if not reply.done():
                reply.set_exception(ConnectionError("SPDY connection closed"))
        self._accepted.put_nowait(None)
        self.closed.set()

    async def accept(self) -> SpdyStream | None:
        """The next stream the client opened, or None once the connection is gone."""
        stream = await self._accepted.get()
        if stream is None:
            self._accepted.put_nowait(None)
        return stream

    async def open_stream(self, headers: dict[str, str], *, fin: bool = False) -> SpdyStream:
        """Client side: SYN_STREAM with ``headers``, then wait for the peer's SYN_REPLY."""
        stream_id = self._next_id
        self._next_id += 2
        stream = SpdyStream(self, stream_id, dict(headers))
        self._streams[stream_id] = stream
        reply: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()
        self._replies[stream_id] = reply
        await self.send_frame(
            frames.encode_syn_stream(stream_id, headers, self._compressor, fin=fin)
        )
        if fin:
            stream.local_closed = True
        await reply
        return stream

    async def send_frame(self, data: bytes) -> None:
        if self.closed.is_set():
            return
        async with self._write_lock:
            try:
                await self._send(data)
            except (ConnectionError, RuntimeError):
                self.feed_eof()

    async def reset_stream(self, stream: SpdyStream, status: int = frames.RST_CANCEL) -> None:
        if not stream.reset:
            stream.reset = True
            stream._end_input()
            await self.send_frame(frames.encode_rst_stream(stream.id, status))

    async def go_away(self) -> None:
        await self.send_frame(frames.encode_goaway(self._last_stream_id))

    def _on_data(self, frame: frames.DataFrame) -> SpdyStream | None:
        stream = self._streams.get(frame.stream_id)
        if stream is None:
            return None
        stream._receive(frame.data)
        if frame.fin:
            stream._end_input()
        return stream

    async def _on_control(self, frame: frames.ControlFrame) -> None:
        if frame.type == frames.SYN_STREAM:
            stream_id, headers = frames.parse_syn_stream(frame.payload, self._decompressor)
            stream = SpdyStream(self, stream_id, headers)
            self._streams[stream_id] = stream
            self._last_stream_id = max(self._last_stream_id, stream_id)
            if frame.fin:
                stream._end_input()
            await self.send_frame(frames.encode_syn_reply(stream_id, self._compressor))
            self._accepted.put_nowait(stream)
        elif frame.type == frames.SYN_REPLY:
            stream_id, headers = frames.parse_syn_reply(frame.payload, self._decompressor)
            reply = self._replies.pop(stream_id, None)
            if reply is not None and not reply.done():
                reply.set_result(headers)
            if frame.fin and stream_id in self._streams:
                self._streams[stream_id]._end_input()
        elif frame.type == frames.RST_STREAM:
            stream = self._streams.get(frames.parse_stream_id(frame.payload))
            if stream is not None:
                stream.reset = True
                stream._end_input()
        elif frame.type == frames.PING:
            await self.send_frame(frames.encode_control(frames.PING, frame.payload))
        elif frame.type == frames.GOAWAY:
            self.feed_eof()
        elif frame.type == frames.HEADERS and len(frame.payload) > 4:
            # Header blocks share the zlib stream: inflate to keep it in step.
            self._decompressor.decompress(frame.payload[4:])
        # SETTINGS, WINDOW_UPDATE and unknown types need no answer.
