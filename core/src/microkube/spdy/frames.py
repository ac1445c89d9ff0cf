"""SPDY/3.1 framing: frames to bytes and back, and the zlib-compressed header blocks.

Kubernetes' streaming (``kubectl exec`` fallback, ``kubectl port-forward``) multiplexes streams
over SPDY/3.1 (github.com/moby/spdystream). No maintained Python package implements SPDY, so
the little that is needed lives here: the 8-byte frame header, SYN_STREAM/SYN_REPLY/RST_STREAM/
PING/GOAWAY control frames, DATA frames, and header blocks compressed with one zlib stream per
direction of a connection, preset with the SPDY/3 dictionary.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping

import attrs

from microkube.spdy.dictionary import SPDY3_DICTIONARY

VERSION = 3
FLAG_FIN = 0x01

SYN_STREAM = 1
SYN_REPLY = 2
RST_STREAM = 3
SETTINGS = 4
PING = 6
GOAWAY = 7
HEADERS = 8
WINDOW_UPDATE = 9

#: RST_STREAM status codes used here.
RST_PROTOCOL_ERROR = 1
RST_REFUSED_STREAM = 3
RST_CANCEL = 5

#: Frames larger than this (16 MiB, the 24-bit length limit) cannot exist; a smaller sanity cap
#: keeps a broken peer from making us buffer without end.
MAX_FRAME_PAYLOAD = 1 << 24


class SpdyProtocolError(Exception):
    """The peer sent bytes that are not valid SPDY/3.1."""


@attrs.frozen
class DataFrame:
    stream_id: int
    flags: int
    data: bytes

    @property
    def fin(self) -> bool:
        return bool(self.flags & FLAG_FIN)


@attrs.frozen
class ControlFrame:
    type: int
    flags: int
    payload: bytes

    @property
    def fin(self) -> bool:
        return bool(self.flags & FLAG_FIN)


Frame = DataFrame | ControlFrame


class FrameReader:
    """Cuts a byte stream into frames (bytes may arrive split or packed arbitrarily)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames: list[Frame] = []
        while len(self._buffer) >= 8:
            first, second = struct.unpack_from(">II", self._buffer)
            flags, length = second >> 24, second & 0xFFFFFF
            if len(self._buffer) < 8 + length:
                break
            payload = bytes(self._buffer[8 : 8 + length])
            del self._buffer[: 8 + length]
            if first & 0x80000000:
                version = (first >> 16) & 0x7FFF
                if version != VERSION:
                    raise SpdyProtocolError(f"unsupported SPDY version {version}")
                frames.append(ControlFrame(first & 0xFFFF, flags, payload))
            else:
                frames.append(DataFrame(first & 0x7FFFFFFF, flags, payload))
        return frames


def encode_data(stream_id: int, data: bytes, *, fin: bool = False) -> bytes:
    if len(data) >= MAX_FRAME_PAYLOAD:
        raise ValueError("SPDY data frame too large")
    flags = FLAG_FIN if fin else 0
    return struct.pack(">II", stream_id & 0x7FFFFFFF, (flags << 24) | len(data)) + data


def encode_control(frame_type: int, payload: bytes, *, flags: int = 0) -> bytes:
    head = struct.pack(">HHI", 0x8000 | VERSION, frame_type, (flags << 24) | len(payload))
    return head + payload


class HeaderCompressor:
    """Compresses header blocks of one direction of one connection (a shared zlib stream)."""

    def __init__(self) -> None:
        self._zlib = zlib.compressobj(
            zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, 15, zdict=SPDY3_DICTIONARY
        )

    def compress(self, headers: Mapping[str, str]) -> bytes:
        block = bytearray(struct.pack(">I", len(headers)))
        for name, value in headers.items():
            raw_name, raw_value = name.lower().encode(), value.encode()
            block += struct.pack(">I", len(raw_name)) + raw_name
            block += struct.pack(">I", len(raw_value)) + raw_value
        return self._zlib.compress(bytes(block)) + self._zlib.flush(zlib.Z_SYNC_FLUSH)


class HeaderDecompressor:
    """Inflates header blocks of one direction of one connection."""

    def __init__(self) -> None:
        self._zlib = zlib.decompressobj(15, zdict=SPDY3_DICTIONARY)

    def decompress(self, data: bytes) -> dict[str, str]:
        try:
            block = self._zlib.decompress(data)
        except zlib.error as exc:
            raise SpdyProtocolError(f"bad header block: {exc}") from exc
        return _parse_header_block(block)


def _parse_header_block(block: bytes) -> dict[str, str]:
    try:
        (count,) = struct.unpack_from(">I", block)
        offset = 4
        headers: dict[str, str] = {}
        for _ in range(count):
            (size,) = struct.unpack_from(">I", block, offset)
            name = block[offset + 4 : offset + 4 + size].decode()
            offset += 4 + size
            (size,) = struct.unpack_from(">I", block, offset)
            value = block[offset + 4 : offset + 4 + size].decode()
            offset += 4 + size
            # Several values of one name are NUL-separated; the first is what streams use.
            headers[name.lower()] = value.split("\x00", 1)[0]
    except (struct.error, UnicodeDecodeError) as exc:
        raise SpdyProtocolError(f"bad header block: {exc}") from exc
    return headers


def encode_syn_stream(
    stream_id: int, headers: Mapping[str, str], compressor: HeaderCompressor, *, fin: bool = False
) -> bytes:
    """A SYN_STREAM (what a client sends; the tests' client uses it)."""
    payload = struct.pack(">IIBB", stream_id, 0, 0, 0) + compressor.compress(headers)
    return encode_control(SYN_STREAM, payload, flags=FLAG_FIN if fin else 0)


def encode_syn_reply(stream_id: int, compressor: HeaderCompressor) -> bytes:
    payload = struct.pack(">I", stream_id) + compressor.compress({})
    return encode_control(SYN_REPLY, payload)


def encode_rst_stream(stream_id: int, status: int) -> bytes:
    return encode_control(RST_STREAM, struct.pack(">II", stream_id, status))


def encode_goaway(last_stream_id: int, status: int = 0) -> bytes:
    return encode_control(GOAWAY, struct.pack(">II", last_stream_id, status))


def parse_syn_stream(
    payload: bytes, decompressor: HeaderDecompressor
) -> tuple[int, dict[str, str]]:
    if len(payload) < 10:
        raise SpdyProtocolError("SYN_STREAM too short")
    (stream_id,) = struct.unpack_from(">I", payload)
    return stream_id & 0x7FFFFFFF, decompressor.decompress(payload[10:])


def parse_syn_reply(payload: bytes, decompressor: HeaderDecompressor) -> tuple[int, dict[str, str]]:
    if len(payload) < 4:
        raise SpdyProtocolError("SYN_REPLY too short")
    (stream_id,) = struct.unpack_from(">I", payload)
    return stream_id & 0x7FFFFFFF, decompressor.decompress(payload[4:])


def parse_stream_id(payload: bytes) -> int:
    if len(payload) < 4:
        raise SpdyProtocolError("control frame too short")
    return struct.unpack_from(">I", payload)[0] & 0x7FFFFFFF
