"""Read queries, each run on a reader connection inside one read transaction.

A read transaction in WAL mode is a snapshot: the revision and compaction point read from
``meta`` and the rows read after them belong to the same committed state, so a page read at
revision R is exactly the store at R.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from microkube.contracts.storage import (
    CompactedError,
    FutureRevisionError,
    KeyValue,
    RangeResult,
    WatchEvent,
)
from microkube_storage_sqlite.rows import Row, event, prefix_end
from microkube_storage_sqlite.schema import KV_COLUMNS

T = TypeVar("T")

_H_COLUMNS = ", ".join(f"h.{c.strip()}" for c in KV_COLUMNS.split(","))
#: What a live version needs, in the order of :func:`_kv`'s tuple.
_LIVE = "h.key, h.value, h.create_rev, h.rev, h.version, h.lease"


def _kv(row: tuple[str, bytes, int, int, int, int]) -> KeyValue:
    key, value, create_rev, rev, version, lease = row
    return KeyValue(
        key=key,
        value=value,
        create_revision=create_rev,
        mod_revision=rev,
        version=version,
        lease=lease,
    )


def in_snapshot(conn: sqlite3.Connection, read: Callable[[sqlite3.Connection], T]) -> T:
    """Run ``read`` in one read transaction."""
    conn.execute("BEGIN")
    try:
        return read(conn)
    finally:
        conn.execute("COMMIT")


def resolve_revision(conn: sqlite3.Connection, revision: int) -> int:
    """The revision a read asked for (0 = the newest), checked against this snapshot."""
    if revision < 0:
        raise ValueError("revision must be >= 0")
    current, compacted = conn.execute("SELECT revision, compact_rev FROM meta").fetchone()
    if revision == 0:
        return current
    if revision > current:
        raise FutureRevisionError(revision, current)
    if revision < compacted:
        raise CompactedError(revision, compacted)
    return revision


def get(conn: sqlite3.Connection, key: str, revision: int) -> KeyValue | None:
    at = resolve_revision(conn, revision)
    found = conn.execute(
        f"SELECT {_LIVE}, h.deleted FROM kv AS h WHERE h.key = ? AND h.rev <= ? "
        "ORDER BY h.rev DESC LIMIT 1",
        (key, at),
    ).fetchone()
    if found is None or found[6]:
        return None
    return _kv(found[:6])


def range_(
    conn: sqlite3.Connection,
    prefix: str,
    *,
    start_after: str | None,
    limit: int,
    revision: int,
    count_only: bool,
) -> RangeResult:
    if limit < 0:
        raise ValueError("limit must be >= 0")
    at = resolve_revision(conn, revision)
    where, params = _live_at(prefix, start_after, at)
    if count_only:
        (count,) = conn.execute(f"SELECT count(*) FROM kv AS h WHERE {where}", params).fetchone()
        return RangeResult(items=(), revision=at, more=False, count=count)
    sql = f"SELECT {_LIVE} FROM kv AS h WHERE {where} ORDER BY h.key"
    if limit:
        sql += f" LIMIT {limit + 1}"
    items = list(map(_kv, conn.execute(sql, params)))
    if limit and len(items) > limit:
        del items[limit:]
        (count,) = conn.execute(f"SELECT count(*) FROM kv AS h WHERE {where}", params).fetchone()
    else:
        count = len(items)
    return RangeResult(items=tuple(items), revision=at, more=count > len(items), count=count)


def _live_at(prefix: str, start_after: str | None, at: int) -> tuple[str, dict[str, object]]:
    """The WHERE clause selecting, among keys under ``prefix`` after ``start_after``, the row
    of each key visible at revision ``at``, if it is not a tombstone."""
    clauses = ["h.key >= :prefix", "h.rev <= :at", "h.deleted = 0"]
    params: dict[str, object] = {"prefix": prefix, "at": at}
    end = prefix_end(prefix)
    if end is not None:
        clauses.append("h.key < :end")
        params["end"] = end
    if start_after is not None:
        clauses.append("h.key > :after")
        params["after"] = start_after
    clauses.append(
        "NOT EXISTS (SELECT 1 FROM kv AS n WHERE n.key = h.key AND n.rev > h.rev AND n.rev <= :at)"
    )
    return " AND ".join(clauses), params


def events(conn: sqlite3.Connection, prefix: str, first: int, last: int) -> list[WatchEvent]:
    """The events under ``prefix`` with revisions ``first``..``last``, in revision order.

    CompactedError if ``first`` is below the compaction point of this snapshot.
    """
    (compacted,) = conn.execute("SELECT compact_rev FROM meta").fetchone()
    if first < compacted:
        raise CompactedError(first, compacted)
    clauses = ["h.rev >= :first", "h.rev <= :last"]
    params: dict[str, object] = {"first": first, "last": last}
    if prefix:
        clauses.append("h.key >= :prefix")
        params["prefix"] = prefix
        end = prefix_end(prefix)
        if end is not None:
            clauses.append("h.key < :end")
            params["end"] = end
    sql = (
        f"SELECT {_H_COLUMNS}, p.create_rev, p.version, p.lease, p.value FROM kv AS h "
        "LEFT JOIN kv AS p ON h.deleted = 0 AND h.prev_rev != 0 "
        "AND p.key = h.key AND p.rev = h.prev_rev "
        f"WHERE {' AND '.join(clauses)} ORDER BY h.rev, h.id"
    )
    found = []
    for r in conn.execute(sql, params):
        row = Row._make(r[:8])
        prev = None
        if r[8] is not None:
            prev = KeyValue(
                key=row.key,
                value=r[11],
                create_revision=r[8],
                mod_revision=row.prev_rev,
                version=r[9],
                lease=r[10],
            )
        found.append(event(row, prev))
    return found
