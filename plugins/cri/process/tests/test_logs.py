"""CRI log lines: full, partial and unterminated lines; the FIFO pump."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from microkube_cri_process.logs import (
    MAX_LINE,
    CriLogWriter,
    FifoPump,
    cri_timestamp,
    make_fifo,
    open_for_container,
)


def records(path: Path) -> list[tuple[bytes, bytes, bytes]]:
    return [tuple(line.split(b" ", 3)[1:]) for line in path.read_bytes().splitlines()]


def test_timestamp_is_rfc3339_with_nanoseconds() -> None:
    assert cri_timestamp(1_700_000_000_123_456_789) == b"2023-11-14T22:13:20.123456789Z"
    assert re.fullmatch(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", cri_timestamp())


def test_lines_split_across_writes_are_joined(tmp_path: Path) -> None:
    log = tmp_path / "0.log"
    writer = CriLogWriter(str(log), "stdout")
    writer.write(b"hel")
    assert not log.exists(), "nothing is written before the line ends"
    writer.write(b"lo\nworld\npart")
    writer.flush()
    assert records(log) == [
        (b"stdout", b"F", b"hello"),
        (b"stdout", b"F", b"world"),
        (b"stdout", b"F", b"part"),
    ]


def test_long_lines_become_partial_records(tmp_path: Path) -> None:
    log = tmp_path / "0.log"
    writer = CriLogWriter(str(log), "stderr")
    writer.write(b"a" * (2 * MAX_LINE + 10) + b"\n")
    assert records(log) == [
        (b"stderr", b"P", b"a" * MAX_LINE),
        (b"stderr", b"P", b"a" * MAX_LINE),
        (b"stderr", b"F", b"a" * 10),
    ]


def test_empty_lines_are_kept(tmp_path: Path) -> None:
    log = tmp_path / "0.log"
    CriLogWriter(str(log), "stdout").write(b"\n\nx\n")
    assert [content for _, _, content in records(log)] == [b"", b"", b"x"]


async def test_pump_reads_until_every_writer_is_gone(tmp_path: Path) -> None:
    fifo = str(tmp_path / "stdout")
    make_fifo(fifo)
    received: list[bytes] = []
    ended = asyncio.Event()
    pump = FifoPump(fifo, received.append, ended.set)
    container_end = open_for_container(fifo)
    os.write(container_end, b"one\n")
    os.close(container_end)
    await asyncio.wait_for(ended.wait(), 30)
    assert b"".join(received) == b"one\n"
    assert pump.closed
