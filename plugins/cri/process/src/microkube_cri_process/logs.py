"""Container output: FIFOs the container writes to, copied into a CRI-format log file.

A container's stdout and stderr are FIFOs in its directory that the container holds open for
reading *and* writing. Holding a read end itself means the container never gets SIGPIPE when
the runtime is gone (a kubelet restart): its writes only block once the pipe buffer is full,
until the restarted runtime opens the FIFOs again and drains them — the job containerd's shim
and conmon do, without a process per container.

The log file uses the CRI format the kubelet reads: ``<RFC 3339 nano time> <stream> <tag>
<content>``, tag ``F`` for a full line and ``P`` for a part of a line longer than
:data:`MAX_LINE` (containerd's default ``max_container_log_line_size``), whose rest follows.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import stat
import time
from collections.abc import Callable

#: Longest log line written whole; longer lines are split into ``P`` parts.
MAX_LINE = 16 * 1024
#: Pipe buffer asked for, so a container can write this much while the runtime restarts.
PIPE_SIZE = 1024 * 1024
_F_SETPIPE_SZ = 1031


def cri_timestamp(ns: int | None = None) -> bytes:
    """RFC 3339 with nanoseconds in UTC, as containerd writes it."""
    ns = time.time_ns() if ns is None else ns
    seconds, nanos = divmod(ns, 1_000_000_000)
    return (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{nanos:09d}Z").encode()


class CriLogWriter:
    """Appends one stream's output to a CRI log file, line by line."""

    def __init__(self, path: str, stream: str) -> None:
        self.path = path
        self.stream = stream.encode()
        self._pending = b""

    def write(self, data: bytes) -> None:
        self._pending += data
        records = []
        while True:
            newline = self._pending.find(b"\n", 0, MAX_LINE + 1)
            if newline >= 0:
                line, self._pending = self._pending[:newline], self._pending[newline + 1 :]
                records.append((b"F", line))
            elif len(self._pending) > MAX_LINE:
                part, self._pending = self._pending[:MAX_LINE], self._pending[MAX_LINE:]
                records.append((b"P", part))
            else:
                break
        self._append(records)

    def flush(self) -> None:
        """The stream ended: what is left is a last, unterminated line (``F``, as containerd)."""
        if self._pending:
            self._append([(b"F", self._pending)])
            self._pending = b""

    def _append(self, records: list[tuple[bytes, bytes]]) -> None:
        if not records or not self.path:
            return
        stamp = cri_timestamp()
        data = b"".join(b"%s %s %s %s\n" % (stamp, self.stream, tag, c) for tag, c in records)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


def make_fifo(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISFIFO(os.stat(path).st_mode):
            os.unlink(path)
    if not os.path.exists(path):
        os.mkfifo(path, 0o600)


def open_for_container(path: str) -> int:
    """The container's end of an output FIFO: read-write (see the module docstring)."""
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, _F_SETPIPE_SZ, PIPE_SIZE)
    return fd


class FifoPump:
    """Reads a FIFO on the event loop; each chunk goes to ``sink``; ``on_end`` once every
    writer has closed it (the container and its children are gone)."""

    def __init__(
        self, path: str, sink: Callable[[bytes], None], on_end: Callable[[], None]
    ) -> None:
        self._sink = sink
        self._on_end = on_end
        self._loop = asyncio.get_running_loop()
        self._fd: int | None = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        self._loop.add_reader(self._fd, self._readable)

    @property
    def closed(self) -> bool:
        return self._fd is None

    def _readable(self) -> None:
        if self._fd is None:
            return
        try:
            data = os.read(self._fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self._sink(data)
            return
        self.close()
        self._on_end()

    def drain(self) -> None:
        """Read what is buffered now (before a status report, say)."""
        while self._fd is not None:
            try:
                data = os.read(self._fd, 65536)
            except (BlockingIOError, OSError):
                return
            if not data:
                return
            self._sink(data)

    def close(self) -> None:
        if self._fd is not None:
            self._loop.remove_reader(self._fd)
            os.close(self._fd)
            self._fd = None
