"""Exec processes: pipes or a pty, output until the process ends, stdin, exit codes."""

from __future__ import annotations

import asyncio
import os

from microkube_cri_process.sessions import ExecProcess, exit_code_of
from microkube_cri_process.spawn import ChildSetup, spawn

from microkube.contracts.runtime import ExecSession


def test_exit_codes_of_signals() -> None:
    assert exit_code_of(3 << 8) == 3
    assert exit_code_of(9) == 137
    assert exit_code_of(15) == 143


async def start(*argv: str) -> ExecProcess:
    in_r, in_w = os.pipe2(os.O_CLOEXEC)
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    setup = ChildSetup(argv=argv, env={"PATH": "/usr/bin:/bin"}, cwd="/")
    pid = spawn(setup, in_r, out_w, err_w)
    for fd in (in_r, out_w, err_w):
        os.close(fd)
    return ExecProcess(pid, stdin_fd=in_w, stdout_fd=out_r, stderr_fd=err_r, tty=False)


async def test_streams_stdin_and_both_outputs() -> None:
    process = await start("sh", "-c", "read line; echo out:$line; echo err >&2; exit 6")
    assert isinstance(process, ExecSession)
    await process.write_stdin(b"ping\n")
    async with asyncio.timeout(30):
        chunks = [chunk async for chunk in process.output()]
        assert await process.wait() == 6
    assert b"".join(d for s, d in chunks if s == 1) == b"out:ping\n"
    assert b"".join(d for s, d in chunks if s == 2) == b"err\n"


async def test_children_left_behind_are_killed_with_the_exec() -> None:
    process = await start("sh", "-c", "sleep 1000 & echo $!")
    async with asyncio.timeout(30):
        output = b"".join([d async for _, d in process.output()])
        assert await process.wait() == 0
    orphan = int(output)
    for _ in range(600):
        if not alive(orphan):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the background sleep survived its exec")


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its parent does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
