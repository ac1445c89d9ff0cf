"""Running one exec or attach session between a client's streams and the runtime.

The transport (WebSocket channels or SPDY streams) is behind :class:`CommandStreams`; this
module pumps stdin, stdout/stderr and terminal resizes, and ends with the Status the kubelet
writes on the error stream: Success, or NonZeroExitCode with the exit code as the cause.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

from microkube.contracts.runtime import ExecSession

#: How long output may still drain after the process exited (a real runtime's pipes close
#: with the process; this only bounds a misbehaving session).
OUTPUT_DRAIN_SECONDS = 30.0


class CommandStreams(Protocol):
    """The client's side of a session, whatever the transport."""

    def stdin(self) -> AsyncIterator[bytes]:
        """Stdin data until the client ends it."""

    def resizes(self) -> AsyncIterator[tuple[int, int]]:
        """(width, height) of each terminal resize."""

    async def write_output(self, stream: int, data: bytes) -> None:
        """Stdout (1) or stderr (2) data to the client."""

    async def write_status(self, status: dict[str, Any]) -> None:
        """The final Status on the error stream."""

    async def gone(self) -> None:
        """Returns when the client disconnected."""

    async def close(self) -> None: ...


def success_status() -> dict[str, Any]:
    return {"metadata": {}, "status": "Success"}


def exit_code_status(argv: Sequence[str], exit_code: int) -> dict[str, Any]:
    """Upstream's Status for a command that exited non-zero (kubectl exits with the code)."""
    command = " ".join(argv)
    return {
        "metadata": {},
        "status": "Failure",
        "message": (
            "command terminated with non-zero exit code: "
            f"command '{command}' exited with {exit_code}: "
        ),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(exit_code)}]},
    }


def internal_error_status(message: str) -> dict[str, Any]:
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"Internal error occurred: {message}",
        "reason": "InternalError",
        "details": {"causes": [{"message": message}]},
        "code": 500,
    }


async def run_session(
    session: ExecSession,
    streams: CommandStreams,
    *,
    argv: Sequence[str],
    stdin: bool,
    report_exit_code: bool,
) -> None:
    """Connect ``session`` to ``streams`` until the process ends or the client leaves.
    ``report_exit_code`` is false for attach, which reports Success when its streams end."""
    output = asyncio.create_task(_pump_output(session, streams))
    helpers = [asyncio.create_task(_pump_resizes(session, streams))]
    if stdin:
        helpers.append(asyncio.create_task(_pump_stdin(session, streams)))
    exited = asyncio.create_task(session.wait())
    gone = asyncio.create_task(streams.gone())
    try:
        await asyncio.wait({exited, gone}, return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(output), OUTPUT_DRAIN_SECONDS)
            code = exited.result()
            if code != 0 and report_exit_code:
                await streams.write_status(exit_code_status(argv, code))
            else:
                await streams.write_status(success_status())
        elif stdin:
            # The client left: the process sees end of input, as with a closed pipe.
            with contextlib.suppress(Exception):
                await session.close_stdin()
    finally:
        for task in (output, exited, gone, *helpers):
            task.cancel()
        await asyncio.gather(output, exited, gone, *helpers, return_exceptions=True)
        await streams.close()


async def _pump_output(session: ExecSession, streams: CommandStreams) -> None:
    async for stream, data in session.output():
        await streams.write_output(stream, data)


async def _pump_stdin(session: ExecSession, streams: CommandStreams) -> None:
    async for data in streams.stdin():
        await session.write_stdin(data)
    await session.close_stdin()


async def _pump_resizes(session: ExecSession, streams: CommandStreams) -> None:
    async for width, height in streams.resizes():
        await session.resize(width, height)


def parse_resize(payload: bytes) -> tuple[int, int] | None:
    """A ``{"Width":..,"Height":..}`` message; None when it is not one."""
    try:
        value = json.loads(payload)
        return int(value["Width"]), int(value["Height"])
    except (ValueError, KeyError, TypeError):
        return None


class JsonObjectStream:
    """Splits a byte stream of concatenated JSON objects (SPDY's resize stream)."""

    def __init__(self) -> None:
        self._buffer = ""
        self._decoder = json.JSONDecoder()

    def feed(self, data: bytes) -> list[Any]:
        self._buffer += data.decode(errors="replace")
        values: list[Any] = []
        while True:
            text = self._buffer.lstrip()
            if not text:
                self._buffer = ""
                return values
            try:
                value, end = self._decoder.raw_decode(text)
            except json.JSONDecodeError:
                self._buffer = text
                return values
            values.append(value)
            self._buffer = text[end:]
