"""The write operations, applied by the writer thread inside a group-commit transaction.

Each operation checks its preconditions *before* writing anything, so one that fails (the key
exists, a stale revision, an unknown lease) raises and leaves the transaction as it found it;
the other operations of the batch still commit. Every operation that changes keys takes the
next revision, and records the watch events it causes on the transaction.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Protocol

import attrs

from microkube.contracts.storage import (
    CompactedError,
    EventType,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    RevisionMismatchError,
    StorageError,
    WatchEvent,
)
from microkube_storage_sqlite.rows import Row, tombstone
from microkube_storage_sqlite.schema import KV_COLUMNS

_INSERT = (
    "INSERT INTO kv (key, rev, create_rev, version, lease, deleted, prev_rev, value) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


@attrs.define
class WriteTxn:
    """One open write transaction: the revision counter as it advances, and the events."""

    conn: sqlite3.Connection
    revision: int
    compact_rev: int
    now: float
    events: list[WatchEvent] = attrs.field(factory=list)

    def next_revision(self) -> int:
        self.revision += 1
        return self.revision

    def current(self, key: str) -> Row | None:
        """The key's live version, or None if it is absent or deleted."""
        found = self.conn.execute(
            f"SELECT {KV_COLUMNS} FROM kv WHERE key = ? ORDER BY rev DESC LIMIT 1", (key,)
        ).fetchone()
        if found is None or found[5]:
            return None
        return Row._make(found)

    def insert(self, row: Row) -> None:
        self.conn.execute(_INSERT, row)

    def delete_key(self, current: Row, rev: int) -> None:
        """Write the tombstone of ``current`` at ``rev`` and record its DELETE event."""
        self.insert(current._replace(rev=rev, deleted=1, prev_rev=current.rev))
        self.events.append(
            WatchEvent(type=EventType.DELETE, kv=tombstone(current.key, rev), prev_kv=current.kv())
        )


class Op(Protocol):
    def apply(self, txn: WriteTxn) -> Any: ...


def _check_expected(key: str, current: Row | None, expected: int) -> Row:
    if current is None:
        raise KeyNotFoundError(key)
    if expected and expected != current.rev:
        raise RevisionMismatchError(key, current.kv())
    return current


@attrs.frozen
class Create:
    key: str
    value: bytes
    lease: int = 0

    def apply(self, txn: WriteTxn) -> int:
        if txn.current(self.key) is not None:
            raise KeyExistsError(self.key)
        if self.lease:
            found = txn.conn.execute(
                "SELECT expires_at FROM leases WHERE id = ?", (self.lease,)
            ).fetchone()
            if found is None:
                raise StorageError(f"lease {self.lease} not found")
            if found[0] <= txn.now:
                raise StorageError(f"lease {self.lease} has expired")
        rev = txn.next_revision()
        row = Row(self.key, rev, rev, 1, self.lease, 0, 0, self.value)
        txn.insert(row)
        txn.events.append(WatchEvent(type=EventType.PUT, kv=row.kv()))
        return rev


@attrs.frozen
class Update:
    key: str
    value: bytes
    expected_revision: int

    def apply(self, txn: WriteTxn) -> int:
        current = _check_expected(self.key, txn.current(self.key), self.expected_revision)
        rev = txn.next_revision()
        row = current._replace(
            rev=rev, version=current.version + 1, prev_rev=current.rev, value=self.value
        )
        txn.insert(row)
        txn.events.append(WatchEvent(type=EventType.PUT, kv=row.kv(), prev_kv=current.kv()))
        return rev


@attrs.frozen
class Delete:
    key: str
    expected_revision: int = 0

    def apply(self, txn: WriteTxn) -> KeyValue:
        current = _check_expected(self.key, txn.current(self.key), self.expected_revision)
        rev = txn.next_revision()
        txn.delete_key(current, rev)
        return attrs.evolve(current.kv(), mod_revision=rev)


@attrs.frozen
class GrantLease:
    ttl: int

    def apply(self, txn: WriteTxn) -> tuple[int, float]:
        """Return the new lease's id and deadline (seconds since the epoch)."""
        expires_at = txn.now + self.ttl
        cursor = txn.conn.execute(
            "INSERT INTO leases (ttl, expires_at) VALUES (?, ?)", (self.ttl, expires_at)
        )
        return int(cursor.lastrowid or 0), expires_at


@attrs.frozen
class RevokeLease:
    """Delete a lease and, in one revision, every key attached to it (etcd's revoke)."""

    lease: int
    #: An expiry may race with an explicit revoke; only the explicit one insists.
    missing_ok: bool = False

    def apply(self, txn: WriteTxn) -> int:
        """Return how many keys were deleted."""
        gone = txn.conn.execute("DELETE FROM leases WHERE id = ?", (self.lease,)).rowcount
        if not gone:
            if self.missing_ok:
                return 0
            raise StorageError(f"lease {self.lease} not found")
        rows = [
            Row._make(r)
            for r in txn.conn.execute(
                f"SELECT {KV_COLUMNS} FROM kv AS h WHERE h.lease = ? AND h.deleted = 0 "
                "AND NOT EXISTS (SELECT 1 FROM kv AS n WHERE n.key = h.key AND n.rev > h.rev) "
                "ORDER BY h.key",
                (self.lease,),
            )
        ]
        if rows:
            rev = txn.next_revision()
            for row in rows:
                txn.delete_key(row, rev)
        return len(rows)


@attrs.frozen
class Compact:
    """Move the compaction point; the writer then removes the old rows in steps."""

    revision: int

    def apply(self, txn: WriteTxn) -> int:
        if self.revision > txn.revision:
            raise FutureRevisionError(self.revision, txn.revision)
        if self.revision <= txn.compact_rev:
            raise CompactedError(self.revision, txn.compact_rev)
        txn.compact_rev = self.revision
        return self.revision


#: Rows removed by one compaction step: for every version written in the window, the version
#: it replaced (visible only below it, so below the compaction point); and the window's
#: tombstones below the compaction point (a tombstone *at* it is kept: a watch from there
#: must still see that DELETE). Steps run in revision order, so at every point in between
#: a key's older versions are gone before its tombstone is, and nothing deleted reappears.
COMPACT_STEP = """
DELETE FROM kv WHERE id IN (
    SELECT p.id FROM kv AS n JOIN kv AS p ON p.key = n.key AND p.rev = n.prev_rev
    WHERE n.rev >= :lo AND n.rev < :hi AND n.prev_rev != 0
    UNION ALL
    SELECT id FROM kv WHERE rev >= :lo AND rev < :hi AND rev < :point AND deleted = 1
)
"""
