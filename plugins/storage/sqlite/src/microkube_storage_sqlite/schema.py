"""The database layout and how a connection to it is opened.

One table, ``kv``, holds every version of every key since the compaction point: a write
appends a row; a delete appends a *tombstone* row that also keeps the deleted value (so a
DELETE event can carry ``prev_kv`` even when the versions before it were compacted away).
``meta`` holds the durable revision counter and the compaction point; ``leases`` holds each
lease's TTL and its wall-clock deadline, so expiry survives a restart.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_VERSION = 1

_DDL = """
CREATE TABLE IF NOT EXISTS kv (
    id INTEGER PRIMARY KEY,          -- insertion order, which is revision order
    key TEXT NOT NULL,
    rev INTEGER NOT NULL,            -- mod_revision of this version (tombstone: deleting rev)
    create_rev INTEGER NOT NULL,
    version INTEGER NOT NULL,
    lease INTEGER NOT NULL,
    deleted INTEGER NOT NULL,        -- 1: tombstone; value/create_rev/version = last value's
    prev_rev INTEGER NOT NULL,       -- mod_revision of the version this one replaced, 0 if none
    value BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS kv_key_rev ON kv (key, rev);
CREATE INDEX IF NOT EXISTS kv_rev ON kv (rev);
CREATE INDEX IF NOT EXISTS kv_lease ON kv (lease) WHERE lease != 0;
CREATE TABLE IF NOT EXISTS meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL,       -- the last committed revision
    compact_rev INTEGER NOT NULL,    -- reads and watches below it fail
    compacted_through INTEGER NOT NULL  -- history below it is physically removed
);
INSERT OR IGNORE INTO meta (id, revision, compact_rev, compacted_through) VALUES (1, 0, 0, 0);
CREATE TABLE IF NOT EXISTS leases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, also across restarts
    ttl INTEGER NOT NULL,
    expires_at REAL NOT NULL         -- seconds since the epoch
);
"""

#: The columns every key read selects, in the order :mod:`.rows` expects.
KV_COLUMNS = "key, rev, create_rev, version, lease, deleted, prev_rev, value"


def connect(path: Path, *, synchronous: str = "NORMAL", reader: bool = False) -> sqlite3.Connection:
    """Open ``path`` in WAL mode with explicit transactions (``isolation_level=None``).

    A ``reader`` connection refuses writes (``query_only``). Connections are created on the
    thread that uses them but may be closed from another (``check_same_thread=False``); the
    backend never uses one from two threads at once.
    """
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"cannot switch {path} to WAL mode (got {mode})")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        conn.execute("PRAGMA cache_size = -32768")  # 32 MiB per connection
        conn.execute("PRAGMA temp_store = MEMORY")
        if reader:
            conn.execute("PRAGMA query_only = ON")
            # Map the file instead of copying each page through read(): faster large ranges.
            conn.execute("PRAGMA mmap_size = 268435456")
    except BaseException:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    """Create the tables of an empty database, or check an existing one's schema version."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        raise sqlite3.DatabaseError(
            f"database schema version {found} is newer than this backend's {SCHEMA_VERSION}"
        )
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _statements(_DDL):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """Split a DDL script into statements (``executescript`` would commit on its own)."""
    text = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    return [s.strip() for s in text.split(";") if s.strip()]
