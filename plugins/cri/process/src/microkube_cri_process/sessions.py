"""Streaming exec and attach sessions (the contract's ``ExecSession``).

:class:`ExecProcess` is a process started inside a container (``kubectl exec``): pipes, or a
pty when ``tty`` (stderr then merged into stdout, as a terminal does). :class:`AttachSession`
follows a container's main process (``kubectl attach``): its output from now on, its stdin
FIFO, and its exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import signal
import struct
import termios
from collections.abc import AsyncIterator, Callable

from microkube.contracts.runtime import RuntimeError_

STDOUT, STDERR = 1, 2
_END = None


def exit_code_of(status: int) -> int:
    """A wait status as a container exit code: the code, or 128 + the killing signal."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


async def write_all(fd: int, data: bytes) -> None:
    """Write ``data`` to a non-blocking fd, waiting while the pipe is full."""
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            await asyncio.sleep(0.01)
            continue
        except BrokenPipeError as exc:
            raise RuntimeError_("the process closed its stdin") from exc
        view = view[written:]


class _Output:
    """A queue of (stream, data) chunks that ends once."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[tuple[int, bytes] | None] = asyncio.Queue()
        self.ended = False

    def put(self, stream: int, data: bytes) -> None:
        if data and not self.ended:
            self._queue.put_nowait((stream, data))

    def end(self) -> None:
        if not self.ended:
            self.ended = True
            self._queue.put_nowait(_END)

    async def __aiter__(self) -> AsyncIterator[tuple[int, bytes]]:
        while True:
            item = await self._queue.get()
            if item is _END:
                self._queue.put_nowait(_END)  # later readers end too
                return
            yield item


class ExecProcess:
    """A started exec process: ``pid`` (its own process group), the parent's ends of its
    stdio (``stdin_fd`` None without stdin; ``stderr_fd`` None with a tty)."""

    def __init__(
        self,
        pid: int,
        *,
        stdin_fd: int | None,
        stdout_fd: int,
        stderr_fd: int | None,
        tty: bool,
        on_exit: Callable[[ExecProcess], None] | None = None,
    ) -> None:
        self.pid = pid
        self.tty = tty
        self._loop = asyncio.get_running_loop()
        self._stdin_fd = stdin_fd
        self._outputs: dict[int, int] = {STDOUT: stdout_fd}
        if stderr_fd is not None:
            self._outputs[STDERR] = stderr_fd
        self._out = _Output()
        self._exit: asyncio.Future[int] = self._loop.create_future()
        self._on_exit = on_exit
        for stream, fd in self._outputs.items():
            os.set_blocking(fd, False)
            self._loop.add_reader(fd, self._readable, stream)
        if stdin_fd is not None:
            os.set_blocking(stdin_fd, False)
        self._pidfd = os.pidfd_open(pid)
        self._loop.add_reader(self._pidfd, self._exited)

    # -- ExecSession --------------------------------------------------------------------

    async def write_stdin(self, data: bytes) -> None:
        if self._stdin_fd is None:
            raise RuntimeError_("stdin is not open")
        await write_all(self._stdin_fd, data)

    async def close_stdin(self) -> None:
        if self._stdin_fd is not None:
            if self.tty:
                # A terminal has no end of file: send ^D, as a user typing it would.
                with contextlib.suppress(OSError):
                    os.write(self._stdin_fd, b"\x04")
                return
            os.close(self._stdin_fd)
            self._stdin_fd = None

    def output(self) -> AsyncIterator[tuple[int, bytes]]:
        return self._out.__aiter__()

    async def resize(self, width: int, height: int) -> None:
        if self.tty and self._stdin_fd is not None:
            fcntl.ioctl(
                self._stdin_fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0)
            )

    async def wait(self) -> int:
        return await asyncio.shield(self._exit)

    # -- the process --------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self._exit.done()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)

    def _readable(self, stream: int) -> None:
        fd = self._outputs.get(stream)
        if fd is None:
            return
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno != errno.EIO:  # EIO: a pty whose other side is closed
                raise
            data = b""
        if data:
            self._out.put(STDOUT if self.tty else stream, data)
        else:
            self._close_output(stream)

    def _close_output(self, stream: int) -> None:
        fd = self._outputs.pop(stream, None)
        if fd is not None:
            self._loop.remove_reader(fd)
            os.close(fd)
        if not self._outputs and self.done:
            self._out.end()

    def _exited(self) -> None:
        self._loop.remove_reader(self._pidfd)
        os.close(self._pidfd)
        try:
            _, status = os.waitpid(self.pid, 0)
            code = exit_code_of(status)
        except ChildProcessError:
            code = 255
        # The process is gone: what it wrote is in the pipes now. Children it left behind
        # in its group are killed (an exec ends with its process, as in a container).
        self.kill()
        for stream in list(self._outputs):
            self._drain(stream)
            self._close_output(stream)
        if self._stdin_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._stdin_fd)
            self._stdin_fd = None
        self._exit.set_result(code)
        self._out.end()
        if self._on_exit is not None:
            self._on_exit(self)

    def _drain(self, stream: int) -> None:
        fd = self._outputs[stream]
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return
            if not data:
                return
            self._out.put(STDOUT if self.tty else stream, data)


class AttachSession:
    """Attached to a container's main process. The runtime feeds it with :meth:`feed` (the
    container's output as it is logged) and ends it with :meth:`finish` (its exit code)."""

    def __init__(
        self,
        *,
        stdin_path: str | None,
        tty: bool,
        on_close: Callable[[AttachSession], None],
    ) -> None:
        self.tty = tty
        self._stdin_path = stdin_path
        self._stdin_fd: int | None = None
        self._out = _Output()
        self._exit: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._on_close = on_close

    async def write_stdin(self, data: bytes) -> None:
        if self._stdin_path is None or self._exit.done():
            raise RuntimeError_("stdin is not open")
        if self._stdin_fd is None:
            # The container holds the FIFO open, so this never blocks.
            self._stdin_fd = os.open(self._stdin_path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        await write_all(self._stdin_fd, data)

    async def close_stdin(self) -> None:
        # The container keeps its stdin (it holds the FIFO itself): detaching ends only ours.
        if self._stdin_fd is not None:
            os.close(self._stdin_fd)
            self._stdin_fd = None
        self._stdin_path = None

    def output(self) -> AsyncIterator[tuple[int, bytes]]:
        return self._out.__aiter__()

    async def resize(self, width: int, height: int) -> None:
        return None  # the main process has no terminal in this runtime

    async def wait(self) -> int:
        return await asyncio.shield(self._exit)

    def feed(self, stream: int, data: bytes) -> None:
        self._out.put(STDOUT if self.tty else stream, data)

    def finish(self, exit_code: int) -> None:
        if not self._exit.done():
            self._exit.set_result(exit_code)
        self._out.end()
        if self._stdin_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._stdin_fd)
            self._stdin_fd = None
        self._on_close(self)
