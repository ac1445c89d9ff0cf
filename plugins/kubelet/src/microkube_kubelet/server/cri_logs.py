"""The CRI container log format: ``<RFC3339Nano> <stdout|stderr> <P|F> <content>`` per line.

``P`` marks a partial line (the runtime split a long line, or the line had not ended yet):
its content continues in the next record of the same stream. A reader joins them back.
"""

from __future__ import annotations

import re
from datetime import datetime

import attrs

_TIMESTAMP = re.compile(
    rb"^(?P<base>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(?P<frac>\d+))?(?P<zone>Z|[+-]\d\d:\d\d)$"
)


class LogFormatError(ValueError):
    """A line that is not a CRI log record."""


@attrs.frozen
class LogRecord:
    timestamp: bytes  #: as written (RFC3339Nano)
    time_ns: int  #: nanoseconds since the epoch
    stream: str  #: "stdout" or "stderr"
    partial: bool
    content: bytes  #: without the line's newline


@attrs.frozen
class LogLine:
    """A whole line: partial records joined; the first record's timestamp."""

    timestamp: bytes
    time_ns: int
    stream: str
    content: bytes


def parse_record(line: bytes) -> LogRecord:
    line = line.rstrip(b"\n")
    parts = line.split(b" ", 3)
    if len(parts) < 3:
        raise LogFormatError(f"not a CRI log line: {line[:80]!r}")
    timestamp, stream, tag = parts[0], parts[1], parts[2]
    content = parts[3] if len(parts) == 4 else b""
    if stream not in (b"stdout", b"stderr"):
        raise LogFormatError(f"unknown stream {stream!r} in CRI log line")
    # The tag may carry more ':'-separated flags; the first says partial or full.
    partial = tag.split(b":", 1)[0] == b"P"
    return LogRecord(timestamp, parse_timestamp(timestamp), stream.decode(), partial, content)


def parse_timestamp(value: bytes) -> int:
    match = _TIMESTAMP.match(value)
    if match is None:
        raise LogFormatError(f"bad timestamp {value[:40]!r} in CRI log line")
    zone = match["zone"].decode()
    moment = datetime.fromisoformat(match["base"].decode() + ("+00:00" if zone == "Z" else zone))
    frac = (match["frac"] or b"0")[:9].ljust(9, b"0")
    return int(moment.timestamp()) * 1_000_000_000 + int(frac)


def format_timestamp(value: bytes) -> bytes:
    """The timestamp as Go's RFC3339Nano prints it (fraction without trailing zeros)."""
    match = _TIMESTAMP.match(value)
    if match is None:
        return value
    frac = (match["frac"] or b"").rstrip(b"0")
    return match["base"] + (b"." + frac if frac else b"") + match["zone"]


class LineJoiner:
    """Joins partial records into lines, per stream."""

    def __init__(self) -> None:
        self._pending: dict[str, tuple[LogRecord, list[bytes]]] = {}

    def add(self, record: LogRecord) -> LogLine | None:
        first, parts = self._pending.pop(record.stream, (record, []))
        parts.append(record.content)
        if record.partial:
            self._pending[record.stream] = (first, parts)
            return None
        return LogLine(first.timestamp, first.time_ns, first.stream, b"".join(parts))

    def flush(self) -> list[LogLine]:
        """Lines still open (a container that ended mid-line): emitted as they are."""
        lines = [
            LogLine(first.timestamp, first.time_ns, first.stream, b"".join(parts))
            for first, parts in self._pending.values()
        ]
        self._pending.clear()
        return sorted(lines, key=lambda line: line.time_ns)
