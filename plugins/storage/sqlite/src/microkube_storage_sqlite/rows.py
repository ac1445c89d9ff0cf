"""Rows of the ``kv`` table (columns :data:`.schema.KV_COLUMNS`) as contract values."""

from __future__ import annotations

from typing import NamedTuple

from microkube.contracts.storage import EventType, KeyValue, WatchEvent


class Row(NamedTuple):
    key: str
    rev: int
    create_rev: int
    version: int
    lease: int
    deleted: int
    prev_rev: int
    value: bytes

    def kv(self) -> KeyValue:
        """The stored version (of a live row)."""
        return KeyValue(
            key=self.key,
            value=self.value,
            create_revision=self.create_rev,
            mod_revision=self.rev,
            version=self.version,
            lease=self.lease,
        )

    def last_value(self) -> KeyValue:
        """For a tombstone: the value it deleted, as it was stored."""
        return KeyValue(
            key=self.key,
            value=self.value,
            create_revision=self.create_rev,
            mod_revision=self.prev_rev,
            version=self.version,
            lease=self.lease,
        )


def tombstone(key: str, rev: int) -> KeyValue:
    """The ``kv`` of a DELETE event, as etcd sends it: key, deleting revision, nothing else."""
    return KeyValue(key=key, value=b"", create_revision=0, mod_revision=rev, version=0)


def event(row: Row, prev: KeyValue | None = None) -> WatchEvent:
    """The watch event a row records. ``prev`` is the replaced version of a PUT, if known."""
    if row.deleted:
        return WatchEvent(
            type=EventType.DELETE, kv=tombstone(row.key, row.rev), prev_kv=row.last_value()
        )
    return WatchEvent(type=EventType.PUT, kv=row.kv(), prev_kv=prev)


def prefix_end(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix`` (None: no such
    bound, i.e. the prefix is empty or ends in the highest code point). SQLite compares TEXT
    as UTF-8 bytes, whose order is code point order, so the bound holds in SQL too."""
    chars = list(prefix)
    while chars:
        last = ord(chars.pop())
        if last < 0x10FFFF:
            nxt = last + 1
            if 0xD800 <= nxt <= 0xDFFF:  # surrogates cannot be encoded; skip past them
                nxt = 0xE000
            return "".join(chars) + chr(nxt)
    return None
