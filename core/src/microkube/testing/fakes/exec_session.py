"""The fake runtime's streaming exec/attach session.

Interactive programs behave like the real ones: ``cat`` echoes stdin, ``sh`` runs each line
written to it (the emulated commands of the fake runtime) and exits on ``exit N`` or end of
stdin; any other program with stdin runs once stdin is closed. An *attached* session (the
container's main process) echoes stdin and ends when the runtime terminates it. With ``tty``
stderr is merged into stdout, as a terminal does.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import AsyncIterator, Mapping, Sequence

from microkube.contracts.runtime import ExecResult, RuntimeError_
from microkube.testing.fakes._commands import run_command, run_script

STDOUT, STDERR = 1, 2

_END = None


class FakeExecSession:
    """An :class:`~microkube.contracts.runtime.ExecSession` over an emulated process.
    ``sizes`` records every ``resize``; :meth:`terminate` ends it from outside (the container
    was stopped)."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        stdin: bool,
        tty: bool,
        env: Mapping[str, str] | None = None,
        hostname: str = "",
        attached: bool = False,
    ) -> None:
        self.argv = tuple(argv)
        self.tty = tty
        self.sizes: list[tuple[int, int]] = []
        self._env = dict(env or {})
        self._hostname = hostname
        self._program = self.argv[0].rsplit("/", 1)[-1] if self.argv else ""
        self._stdin_open = stdin
        self._stdin_data = b""
        self._line = b""
        self._last_code = 0
        self._out: asyncio.Queue[tuple[int, bytes] | None] = asyncio.Queue()
        self._exit: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.attached = attached
        if attached:
            self._program = "cat"  # an attached main process echoes its stdin; ends on terminate()
            self.argv = ("cat",)
        elif not stdin:
            self._finish(ExecResult(exit_code=0) if self._is_shell() else self._run(b""))

    @property
    def done(self) -> bool:
        return self._exit.done()

    async def write_stdin(self, data: bytes) -> None:
        if not self._stdin_open:
            raise RuntimeError_("stdin is not open")
        if self._program == "cat" and len(self.argv) == 1:
            self._emit(STDOUT, data)
        elif self._is_shell():
            self._line += data
            while b"\n" in self._line and not self.done:
                line, self._line = self._line.split(b"\n", 1)
                self._shell_line(line.decode(errors="replace"))
        else:
            self._stdin_data += data

    async def close_stdin(self) -> None:
        if not self._stdin_open or self.done:
            self._stdin_open = False
            return
        self._stdin_open = False
        if self.attached:
            return
        if self._program == "cat" and len(self.argv) == 1:
            self._finish(ExecResult(exit_code=0))
        elif self._is_shell():
            if self._line:
                self._shell_line(self._line.decode(errors="replace"))
            if not self.done:
                self._finish(ExecResult(exit_code=self._last_code))
        else:
            self._finish(self._run(self._stdin_data))

    async def output(self) -> AsyncIterator[tuple[int, bytes]]:
        while True:
            item = await self._out.get()
            if item is _END:
                self._out.put_nowait(_END)  # later readers end too
                return
            yield item

    async def resize(self, width: int, height: int) -> None:
        self.sizes.append((width, height))

    async def wait(self) -> int:
        return await asyncio.shield(self._exit)

    def terminate(self, exit_code: int) -> None:
        """End the session now with ``exit_code`` (no-op when it already ended)."""
        if not self.done:
            self._stdin_open = False
            self._finish(ExecResult(exit_code=exit_code))

    def _is_shell(self) -> bool:
        return self._program in ("sh", "bash") and len(self.argv) == 1

    def _shell_line(self, line: str) -> None:
        try:
            words = shlex.split(line)
        except ValueError:
            words = []
        if words and words[0] == "exit":
            code = int(words[1]) if len(words) > 1 and words[1].isdigit() else self._last_code
            self._finish(ExecResult(exit_code=code))
            return
        if not words:
            return
        result = run_script(line, stdin=b"", env=self._env, hostname=self._hostname)
        if result is None:
            result = ExecResult(exit_code=127, stderr=f"sh: {words[0]}: not found\n".encode())
        self._last_code = result.exit_code
        self._emit(STDOUT, result.stdout)
        self._emit(STDERR, result.stderr)

    def _run(self, stdin: bytes) -> ExecResult:
        return run_command(self.argv, stdin=stdin, env=self._env, hostname=self._hostname)

    def _emit(self, stream: int, data: bytes) -> None:
        if data:
            self._out.put_nowait((STDOUT if self.tty else stream, data))

    def _finish(self, result: ExecResult) -> None:
        self._emit(STDOUT, result.stdout)
        self._emit(STDERR, result.stderr)
        self._out.put_nowait(_END)
        self._exit.set_result(result.exit_code)
