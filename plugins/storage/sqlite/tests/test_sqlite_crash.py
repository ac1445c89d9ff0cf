"""Crash safety for real: ``kill -9`` a process in the middle of many concurrent writes.

After each kill the database is reopened and must hold every acknowledged write, whole; a
write that was in flight may have happened or not, but nothing in between: no torn value,
no half-applied batch, a revision counter that matches the rows.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sqlite3
import sys
from pathlib import Path

from microkube_storage_sqlite.backend import SqliteStorage
from microkube_storage_sqlite.options import SqliteOptions

SCRIPT = Path(__file__).with_name("crash_writer.py")
WRITERS = 32
ACKS_BEFORE_KILL = 1500


def _value_for():
    spec = importlib.util.spec_from_file_location("_crash_writer", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.value_for


value_for = _value_for()


async def _run_and_kill(db: Path, tag: str) -> list[str]:
    """Start the writer, SIGKILL it once enough writes were acknowledged; return its lines."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), str(db), tag, str(WRITERS), stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    lines: list[str] = []
    acks = 0
    try:
        async with asyncio.timeout(60):
            while acks < ACKS_BEFORE_KILL:
                line = await proc.stdout.readline()
                assert line, f"the writer died on its own (exit {await proc.wait()})"
                lines.append(line.decode().rstrip("\n"))
                acks += lines[-1].startswith("A ")
    finally:
        proc.kill()  # SIGKILL: no cleanup, no close, mid-transaction
        await proc.wait()
    lines += (await proc.stdout.read()).decode().splitlines()  # what reached the pipe
    return lines


def _expectations(lines: list[str]) -> tuple[dict[str, int | None], dict[str, set[int | None]]]:
    """From the log: each key's state after its acknowledged writes (version 1/2, None =
    deleted), and for writes in flight at the kill, the states allowed instead."""
    settled: dict[str, int | None] = {}
    in_flight: dict[str, str] = {}
    after = {"create": 1, "update": 2, "delete": None}
    for line in lines:
        mark, op, key = line.split(" ")
        if mark == "B":
            in_flight[key] = op
        else:
            del in_flight[key]
            settled[key] = after[op]
    maybe = {key: {settled.get(key), after[op]} for key, op in in_flight.items()}
    return settled, maybe


def _check_file(db: Path) -> None:
    """Every row of every table is whole and consistent with the revision counter."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        revision, max_rev = conn.execute(
            "SELECT revision, (SELECT max(rev) FROM kv) FROM meta"
        ).fetchone()
        assert revision == max_rev
        for key, version, value in conn.execute("SELECT key, version, value FROM kv"):
            # A tombstone keeps the value it deleted: whole, like any other.
            assert value == value_for(key, version), f"torn value for {key} v{version}"
    finally:
        conn.close()


async def _check_store(db: Path, lines: list[str]) -> None:
    settled, maybe = _expectations(lines)
    storage = SqliteStorage(db, SqliteOptions(compaction_interval=0))
    await storage.start()
    try:
        for key, state in settled.items():
            kv = await storage.get(key)
            found = None if kv is None else kv.version
            allowed = maybe.get(key, {state})
            assert found in allowed, f"{key}: found version {found}, allowed {allowed}"
            if kv is not None:
                assert kv.value == value_for(key, kv.version)
        # The counter goes on from the last committed revision.
        current = await storage.current_revision()
        assert await storage.create("/after-crash", value_for("/after-crash", 1)) == current + 1
        await storage.delete("/after-crash")
    finally:
        await storage.close()


async def test_kill_9_loses_no_acknowledged_write_and_tears_nothing(tmp_path):
    db = tmp_path / "crash.sqlite"
    everything: list[str] = []
    for tag in ("first", "second"):  # the second run starts on the crashed file
        lines = await _run_and_kill(db, tag)
        assert sum(line.startswith("A ") for line in lines) >= ACKS_BEFORE_KILL
        everything += lines
        _check_file(db)
        await _check_store(db, everything)
