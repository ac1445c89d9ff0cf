"""Writes until killed; run by ``test_sqlite_crash.py`` in a subprocess.

``python crash_writer.py DB TAG WRITERS``: WRITERS concurrent writers each create keys in
turn, update the key before, and delete the one before that, forever. Before each write a
writer prints ``B <op> <key>``; once the write is acknowledged it prints ``A <op> <key>``.
Every value is a function of its key (see :func:`value_for`), so a reader can tell a whole
value from a torn one.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys

from microkube_storage_sqlite.backend import SqliteStorage
from microkube_storage_sqlite.options import SqliteOptions


def value_for(key: str, version: int) -> bytes:
    """64 B to ~12 KiB (several pages: a torn write would show) determined by key+version."""
    seed = hashlib.sha256(f"{key}#{version}".encode()).digest()
    length = 64 + int.from_bytes(seed[:2], "big") % 12_000
    return (seed * (length // len(seed) + 1))[:length]


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode())  # unbuffered: what reached the pipe is never lost


async def _writer(storage: SqliteStorage, tag: str, w: int) -> None:
    i = 0
    while True:
        key = f"/crash/{tag}/{w:02d}/{i:06d}"
        _say(f"B create {key}")
        await storage.create(key, value_for(key, 1))
        _say(f"A create {key}")
        if i >= 1 and i % 2 == 0:
            prev = f"/crash/{tag}/{w:02d}/{i - 1:06d}"
            _say(f"B update {prev}")
            await storage.update(prev, value_for(prev, 2), expected_revision=0)
            _say(f"A update {prev}")
        if i >= 2 and i % 3 == 0:
            old = f"/crash/{tag}/{w:02d}/{i - 2:06d}"
            _say(f"B delete {old}")
            await storage.delete(old)
            _say(f"A delete {old}")
        i += 1


async def main(path: str, tag: str, writers: int) -> None:
    storage = SqliteStorage(path, SqliteOptions(compaction_interval=0))
    await storage.start()
    await asyncio.gather(*(_writer(storage, tag, w) for w in range(writers)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
