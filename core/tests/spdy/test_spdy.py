"""SPDY/3.1 framing, header compression and sessions (client and server roles)."""

from __future__ import annotations

import asyncio
import hashlib
import struct
import zlib

import pytest

from microkube.spdy import frames
from microkube.spdy.dictionary import SPDY3_DICTIONARY
from microkube.spdy.session import MAX_BUFFERED_INPUT, MAX_DATA_CHUNK, SpdySession

#: sha256 of the dictionary as found in kubectl 1.32's binary (moby/spdystream's copy).
KUBECTL_DICTIONARY_SHA256 = "51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02"


def test_dictionary_is_byte_exact() -> None:
    assert len(SPDY3_DICTIONARY) == 1423
    assert hashlib.sha256(SPDY3_DICTIONARY).hexdigest() == KUBECTL_DICTIONARY_SHA256
    assert SPDY3_DICTIONARY.startswith(b"\x00\x00\x00\x07options\x00\x00\x00\x04head")
    assert SPDY3_DICTIONARY.endswith(b",*,enq=0.")


def test_header_blocks_share_one_zlib_stream_per_direction() -> None:
    compressor, decompressor = frames.HeaderCompressor(), frames.HeaderDecompressor()
    first = compressor.compress({"streamType": "error", "port": "8080", "requestID": "0"})
    second = compressor.compress({"streamtype": "data", "port": "8080", "requestid": "0"})
    assert decompressor.decompress(first) == {
        "streamtype": "error",
        "port": "8080",
        "requestid": "0",
    }
    assert decompressor.decompress(second)["streamtype"] == "data"
    # The second block depends on the first: a fresh inflater cannot read it alone.
    with pytest.raises(frames.SpdyProtocolError):
        frames.HeaderDecompressor().decompress(second)


def test_header_block_inflates_with_plain_zlib_and_the_dictionary() -> None:
    block = frames.HeaderCompressor().compress({"a": "b"})
    raw = zlib.decompressobj(zdict=SPDY3_DICTIONARY).decompress(block)
    assert raw == struct.pack(">I", 1) + struct.pack(">I", 1) + b"a" + struct.pack(">I", 1) + b"b"


def test_frame_reader_handles_split_and_packed_bytes() -> None:
    wire = frames.encode_data(1, b"hello", fin=True) + frames.encode_control(
        frames.PING, b"\0\0\0\1"
    )
    reader = frames.FrameReader()
    got = []
    for i in range(len(wire)):  # one byte at a time
        got.extend(reader.feed(wire[i : i + 1]))
    assert got == [
        frames.DataFrame(1, frames.FLAG_FIN, b"hello"),
        frames.ControlFrame(frames.PING, 0, b"\0\0\0\1"),
    ]
    assert frames.FrameReader().feed(wire) == got
    with pytest.raises(frames.SpdyProtocolError):
        frames.FrameReader().feed(struct.pack(">HHI", 0x8002, 1, 0))  # SPDY/2


async def pair() -> tuple[SpdySession, SpdySession]:
    """A client and a server session wired back to back."""
    holder: dict[str, SpdySession] = {}

    async def to_server(data: bytes) -> None:
        await holder["server"].feed(data)

    async def to_client(data: bytes) -> None:
        await holder["client"].feed(data)

    holder["client"] = SpdySession(to_server, client=True)
    holder["server"] = SpdySession(to_client)
    return holder["client"], holder["server"]


async def test_streams_open_write_close_and_reset() -> None:
    client, server = await pair()
    opened = await asyncio.wait_for(client.open_stream({"streamtype": "stdout"}), 10)
    accepted = await asyncio.wait_for(server.accept(), 10)
    assert accepted is not None and accepted.stream_type == "stdout" and accepted.id == 1
    await accepted.write(b"x" * 100_000)  # split into several DATA frames
    await accepted.close()
    got = b""
    while chunk := await opened.read():
        got += chunk
    assert got == b"x" * 100_000
    await opened.write(b"in")
    assert await accepted.read() == b"in"
    await client.reset_stream(opened)
    assert await accepted.read() == b""
    assert accepted.reset
    await client.go_away()
    assert await server.accept() is None


async def test_ping_is_echoed() -> None:
    echoed: list[bytes] = []
    server = SpdySession(lambda data: _append(echoed, data))
    await server.feed(frames.encode_control(frames.PING, b"\0\0\0\7"))
    assert echoed == [frames.encode_control(frames.PING, b"\0\0\0\7")]


async def _append(into: list[bytes], data: bytes) -> None:
    into.append(data)


async def test_unread_input_holds_back_the_sender() -> None:
    client, server = await pair()
    opened = await client.open_stream({"streamtype": "data"})
    accepted = await server.accept()
    assert accepted is not None
    blob = bytes(range(256)) * (40 * 1024)  # 10 MiB, more than a stream may buffer
    sending = asyncio.create_task(opened.write(blob))
    for _ in range(1000):
        if accepted._buffered > MAX_BUFFERED_INPUT:
            break
        await asyncio.sleep(0.01)
    for _ in range(10):
        await asyncio.sleep(0)
    assert not sending.done()  # it cannot finish before the reader takes data
    assert accepted._buffered <= MAX_BUFFERED_INPUT + MAX_DATA_CHUNK
    got = bytearray()
    while len(got) < len(blob):
        got += await asyncio.wait_for(accepted.read(), 10)
    await asyncio.wait_for(sending, 10)
    assert bytes(got) == blob
