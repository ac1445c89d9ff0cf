"""Reading a container's CRI log file as ``kubectl logs`` shows it: whole lines, optionally
the last N, since a time, with timestamps, at most N bytes, and following the file while the
container runs — across rotation, in both forms: upstream's rename (``N.log`` becomes
``N.log.<time>`` and the runtime reopens a new ``N.log``) and copy-and-truncate (the live file
is copied to ``N.log.<time>`` and truncated in place), where the lines written since the last
read are taken from the copy.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from microkube_kubelet.server.cri_logs import (
    LineJoiner,
    LogFormatError,
    LogLine,
    format_timestamp,
    parse_record,
)
from microkube_kubelet.server.log_options import LogOptions

#: How often a followed file is checked for new lines, rotation and the container's end.
POLL_SECONDS = 0.2
#: Bytes read from the file at a time.
CHUNK = 64 * 1024
#: Leading bytes remembered to notice a file truncated and written again between two polls.
HEAD_BYTES = 64


class _Limit:
    def __init__(self, limit: int | None) -> None:
        self.left = limit

    @property
    def reached(self) -> bool:
        return self.left is not None and self.left <= 0

    def cut(self, data: bytes) -> bytes:
        if self.left is None:
            return data
        data = data[: self.left]
        self.left -= len(data)
        return data


class _LineSource:
    """Complete CRI records from an open file, reading on as it grows."""

    def __init__(self, file: BinaryIO, rest: bytes = b"") -> None:
        self.file = file
        self._rest = rest
        self._head = b""

    def read_records(self) -> Iterable[bytes]:
        while chunk := self.file.read(CHUNK):
            data = self._rest + chunk
            lines = data.split(b"\n")
            self._rest = lines.pop()
            yield from lines
        if len(self._head) < HEAD_BYTES:
            head = os.pread(self.file.fileno(), HEAD_BYTES, 0)
            if head.startswith(self._head):  # else truncated() tells
                self._head = head

    def truncated(self) -> bool:
        """Whether the file was truncated under us (copy-and-truncate rotation)."""
        fd = self.file.fileno()
        if os.fstat(fd).st_size < self.file.tell():
            return True
        return bool(self._head) and os.pread(fd, len(self._head), 0) != self._head

    def restart(self) -> bytes:
        """Read again from the start of the (truncated) file; returns the unfinished line."""
        rest, self._rest, self._head = self._rest, b"", b""
        self.file.seek(0)
        return rest

    def close(self) -> None:
        self.file.close()


def _format(line: LogLine, options: LogOptions) -> bytes:
    content = line.content + b"\n"
    if options.timestamps:
        return format_timestamp(line.timestamp) + b" " + content
    return content


def _wanted(line: LogLine, options: LogOptions) -> bool:
    if options.stream is not None and line.stream != options.stream:
        return False
    return options.since_ns is None or line.time_ns >= options.since_ns


def _lines(records: Iterable[bytes], joiner: LineJoiner) -> Iterable[LogLine]:
    for raw in records:
        if not raw:
            continue
        try:
            record = parse_record(raw)
        except LogFormatError:
            continue  # a torn or foreign line: skipped, as upstream's parser does
        line = joiner.add(record)
        if line is not None:
            yield line


def _open(path: Path) -> BinaryIO | None:
    try:
        return path.open("rb")
    except FileNotFoundError:
        return None


async def read_logs(
    path: Path,
    options: LogOptions,
    *,
    is_running: Callable[[], Awaitable[bool]] | None = None,
) -> AsyncIterator[bytes]:
    """The log's content as chunks of output; with ``options.follow`` keeps going until
    ``is_running()`` says the container ended and the file has nothing more."""
    limit = _Limit(options.limit_bytes)
    joiner = LineJoiner()
    file = _open(path)
    sources = [_LineSource(file)] if file is not None else []
    try:
        initial: Iterable[LogLine] = (
            (line for line in _lines(sources[0].read_records(), joiner)) if sources else ()
        )
        if not options.follow:
            # A last line the container never ended is still a line to show.
            initial = [*initial, *joiner.flush()]
        wanted = (line for line in initial if _wanted(line, options))
        if options.tail_lines is not None:
            wanted = iter(deque(wanted, maxlen=options.tail_lines))
        out = limit.cut(b"".join(_format(line, options) for line in wanted))
        if out:
            yield out
        if options.follow and not limit.reached:
            async for out in _follow(path, sources, joiner, options, limit, is_running):
                yield out
    finally:
        for source in sources:
            source.close()


async def _follow(
    path: Path,
    sources: list[_LineSource],
    joiner: LineJoiner,
    options: LogOptions,
    limit: _Limit,
    is_running: Callable[[], Awaitable[bool]] | None,
) -> AsyncIterator[bytes]:
    """``sources`` holds the one open file (or none yet); replaced in place on rotation."""
    while not limit.reached:
        running = True if is_running is None else await is_running()
        if sources and sources[-1].truncated():
            # Checked before reading on: past the truncation the file holds other lines.
            offset = sources[-1].file.tell()
            rest = sources[-1].restart()
            for out in _drain_copy(path, offset, rest, joiner, options, limit):
                yield out
        produced = False
        for out in _drain(sources, joiner, options, limit):
            produced = True
            yield out
        rotated = _rotated(path, sources)
        if rotated is not None:
            # Lines written to the old file right before its rename come first.
            for out in _drain(sources, joiner, options, limit):
                yield out
            for old in sources:
                old.close()
            sources[:] = [_LineSource(rotated)]
            continue
        if not running and not produced:
            for out in _drain(sources, joiner, options, limit):
                yield out
            rest = b"".join(_format(ln, options) for ln in joiner.flush() if _wanted(ln, options))
            out = limit.cut(rest)
            if out:
                yield out
            return
        await asyncio.sleep(POLL_SECONDS)


def _drain(
    sources: list[_LineSource], joiner: LineJoiner, options: LogOptions, limit: _Limit
) -> Iterable[bytes]:
    for source in sources:
        chunk = b"".join(
            _format(line, options)
            for line in _lines(source.read_records(), joiner)
            if _wanted(line, options)
        )
        out = limit.cut(chunk)
        if out:
            yield out
        if limit.reached:
            return


def _drain_copy(
    path: Path, offset: int, rest: bytes, joiner: LineJoiner, options: LogOptions, limit: _Limit
) -> Iterable[bytes]:
    """After a copy-and-truncate rotation: what the copy holds past ``offset`` (lines written
    after our last read and before the truncation)."""
    copies = sorted(path.parent.glob(path.name + ".*"), key=_mtime, reverse=True)
    for copy in copies:
        try:
            file = copy.open("rb")
        except OSError:
            continue
        with file:
            if os.fstat(file.fileno()).st_size < offset:
                continue
            file.seek(offset)
            yield from _drain([_LineSource(file, rest)], joiner, options, limit)
        return


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _rotated(path: Path, sources: list[_LineSource]) -> BinaryIO | None:
    """The file now at ``path`` when it is not the one open (rotation, or it appeared)."""
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return None
    if sources:
        opened = os.fstat(sources[-1].file.fileno())
        if (opened.st_ino, opened.st_dev) == (current.st_ino, current.st_dev):
            return None
    return _open(path)
