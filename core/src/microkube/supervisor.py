"""``microkube up`` with each component in a process of its own, as Kubernetes runs them.

Python runs one thread of Python code per process at a time: a cluster whose API server,
controller manager, scheduler and kubelet share one process uses one core, and every pod
start waits for all of them. Here each component runs as ``microkube run-component NAME``
(the same code :func:`microkube.runner.run_components` runs in-process), started in order:
the next starts once the previous has written ``ready`` on an inherited pipe. On SIGINT or
SIGTERM (or when one of them dies) they are stopped in reverse order, each with SIGTERM and,
after ``STOP_SECONDS``, SIGKILL. Children get SIGTERM from the kernel if the supervisor itself
is killed (``PR_SET_PDEATHSIG``), so no component outlives it.

The children read the configuration the supervisor was given from ``<data-dir>/up-config.json``
(written here, so flags such as ``up --port`` reach them too); they inherit stdout and stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import signal
import sys
from pathlib import Path

from microkube.config import Config, unstructure_config
from microkube.plugins import PluginRegistry, SelectionError
from microkube.runner import choose_components

__all__ = ["READY", "STOP_SECONDS", "ComponentExitedError", "supervise_components"]

READY = b"ready\n"
STOP_SECONDS = 30.0
_PR_SET_PDEATHSIG = 1


class ComponentExitedError(SelectionError):
    """A component's process ended on its own (before it was ready, or while running)."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class _Child:
    def __init__(self, name: str, process: asyncio.subprocess.Process, ready_fd: int) -> None:
        self.name = name
        self.process = process
        self.ready_fd = ready_fd

    async def wait_ready(self) -> None:
        """Until the child writes READY; ComponentExitedError when it ends first."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        pipe = os.fdopen(self.ready_fd, "rb", buffering=0)
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), pipe
        )
        try:
            line = await reader.readline()
        finally:
            transport.close()
        if line != READY:
            code = await self.process.wait()
            raise ComponentExitedError(
                f"component {self.name!r} exited with status {code} before it was ready"
            )

    async def stop(self) -> None:
        if self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


async def _spawn(name: str, config_path: Path) -> _Child:
    read_fd, write_fd = os.pipe()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "microkube.cli",
            "--config",
            str(config_path),
            "run-component",
            name,
            "--ready-fd",
            str(write_fd),
            pass_fds=(write_fd,),
            preexec_fn=_die_with_parent,
        )
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    return _Child(name, process, read_fd)


async def supervise_components(
    registry: PluginRegistry,
    config: Config,
    data_dir: Path,
    *,
    names: list[str] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run each chosen component in its own process until ``stop`` is set (default: SIGINT or
    SIGTERM) or one of them exits; ComponentExitedError in the latter case."""
    chosen = choose_components(registry, config, names)
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    config_path = data_dir / "up-config.json"
    document = unstructure_config(config)
    document["data-dir"] = str(await asyncio.to_thread(data_dir.resolve))
    await asyncio.to_thread(config_path.write_text, json.dumps(document, indent=2))
    children: list[_Child] = []
    try:
        for name, _ in chosen:
            child = await _spawn(name, config_path)
            children.append(child)
            await child.wait_ready()
        exits = {asyncio.ensure_future(child.process.wait()): child for child in children}
        stopping = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait([stopping, *exits], return_when=asyncio.FIRST_COMPLETED)
        for future in (stopping, *exits):
            future.cancel()
        ended = [exits[f] for f in done if f in exits]
        if ended and not stop.is_set():
            child = ended[0]
            raise ComponentExitedError(
                f"component {child.name!r} exited with status {child.process.returncode}"
            )
    finally:
        for child in reversed(children):
            await child.stop()
