"""The storage contract: a revisioned key-value store with watch, shaped like etcd v3.

Keys are ``str`` (``/registry/pods/default/web-1``), values ``bytes``. Every successful write
increments one global revision; the revision of the write that last touched a key is its
``mod_revision`` and becomes the object's ``resourceVersion``. Reads at an old revision, and
watches from one, fail with :class:`CompactedError` once that revision is compacted away; the
API server turns that into ``410 Gone``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import Enum
from pathlib import Path
from typing import Protocol, runtime_checkable

import attrs


@attrs.frozen(kw_only=True)
class KeyValue:
    key: str
    value: bytes
    create_revision: int
    mod_revision: int
    version: int = 1
    lease: int = 0


@attrs.frozen(kw_only=True)
class RangeResult:
    """One page of a range read, at store revision ``revision``. To read the next page
    consistently, pass ``revision`` back with ``start_after`` = the page's last key."""

    items: tuple[KeyValue, ...]
    revision: int
    more: bool = False
    count: int = 0


class EventType(Enum):
    PUT = "PUT"
    DELETE = "DELETE"


@attrs.frozen(kw_only=True)
class WatchEvent:
    """A change. For DELETE, ``kv`` is the tombstone: the key, empty value and the deleting
    revision as ``mod_revision``; ``prev_kv`` holds the last stored value. For a PUT that
    replaced a value, ``prev_kv`` holds the replaced one (the API server needs it to tell a
    filtered watcher that an object stopped matching); for a PUT that created the key it is
    None."""

    type: EventType
    kv: KeyValue
    prev_kv: KeyValue | None = None


@attrs.frozen(kw_only=True)
class WatchResponse:
    """A batch of events in revision order, or, with no events, a progress notification
    meaning that every change up to ``revision`` has been delivered."""

    revision: int
    events: tuple[WatchEvent, ...] = ()


class StorageError(Exception):
    """Base of every storage failure a backend raises on purpose."""


class KeyExistsError(StorageError):
    """create() of a key that exists."""

    def __init__(self, key: str) -> None:
        super().__init__(f"key already exists: {key}")
        self.key = key


class KeyNotFoundError(StorageError):
    """update()/delete() of a key that does not exist."""

    def __init__(self, key: str) -> None:
        super().__init__(f"key not found: {key}")
        self.key = key


class RevisionMismatchError(StorageError):
    """update()/delete() whose expected revision is not the key's ``mod_revision``."""

    def __init__(self, key: str, current: KeyValue) -> None:
        super().__init__(
            f"revision mismatch for {key}: stored mod_revision is {current.mod_revision}"
        )
        self.key = key
        self.current = current


class CompactedError(StorageError):
    """A read or watch at a revision older than the compaction point (HTTP 410 Gone)."""

    def __init__(self, requested: int, compact_revision: int) -> None:
        super().__init__(
            f"revision {requested} has been compacted; oldest available is {compact_revision}"
        )
        self.requested = requested
        self.compact_revision = compact_revision


class FutureRevisionError(StorageError):
    """A read at a revision the store has not reached yet."""

    def __init__(self, requested: int, current: int) -> None:
        super().__init__(f"revision {requested} is in the future; current is {current}")
        self.requested = requested
        self.current = current


@runtime_checkable
class Watch(Protocol):
    """An open watch: iterate for responses; ``close()`` ends the iteration."""

    def __aiter__(self) -> AsyncIterator[WatchResponse]: ...

    async def close(self) -> None: ...

    def request_progress(self) -> None:
        """Ask for a progress notification: an empty response at the store's current revision,
        delivered after every change queued before the request (etcd's RequestProgress; the
        API server uses it for consistent reads from its watch cache)."""


@runtime_checkable
class Storage(Protocol):
    """A storage backend. All methods are coroutines and safe to call concurrently."""

    async def start(self) -> None:
        """Open files/connections. Called once before any other method."""

    async def close(self) -> None:
        """Release everything; open watches end. Closing twice is harmless."""

    async def current_revision(self) -> int:
        """The revision of the last committed write (0 for an empty store)."""

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | None:
        """The value of ``key`` now (``revision=0``) or at ``revision``; None if absent."""

    async def range(
        self,
        prefix: str,
        *,
        start_after: str | None = None,
        limit: int = 0,
        revision: int = 0,
        count_only: bool = False,
    ) -> RangeResult:
        """Keys starting with ``prefix`` in key order, after ``start_after``, at most ``limit``
        (0 = all), as of ``revision`` (0 = now). ``count`` is the number of keys matching the
        prefix after ``start_after``, including those beyond the limit."""

    async def create(self, key: str, value: bytes, *, lease: int = 0) -> int:
        """Store ``key`` only if absent; return the new revision. KeyExistsError otherwise;
        StorageError if ``lease`` (0 = none) is not a live lease."""

    async def update(self, key: str, value: bytes, *, expected_revision: int) -> int:
        """Replace ``key`` if its ``mod_revision`` equals ``expected_revision`` (0 = any);
        return the new revision. KeyNotFoundError / RevisionMismatchError otherwise. The key
        keeps its lease."""

    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        """Delete ``key`` (if ``expected_revision`` matches, 0 = any) and return its last value
        with ``mod_revision`` set to the deleting revision. KeyNotFoundError /
        RevisionMismatchError otherwise."""

    def watch(self, prefix: str, *, start_revision: int) -> Watch:
        """Watch keys under ``prefix`` for changes with revision >= ``start_revision``
        (0 = from now). Raises CompactedError, when iterated, if ``start_revision`` is compacted."""

    async def compact(self, revision: int) -> None:
        """Forget history before ``revision``; reads/watches below it fail with CompactedError."""

    async def grant_lease(self, ttl_seconds: int) -> int:
        """Create a lease; keys created with it are deleted (with watch events) when it expires."""

    async def revoke_lease(self, lease_id: int) -> None:
        """Expire a lease now, deleting its keys."""


@runtime_checkable
class BackupCapable(Protocol):
    """Optional capability of a backend: a consistent copy of the whole store in one file,
    and a new store built from such a copy (``microkube backup`` / ``restore``).

    Both are called on a backend built by its factory but *not started*: ``backup`` reads
    the store while its owner (the API server) keeps serving and writing, and must neither
    block that owner for long nor need exclusive access; ``restore`` writes a store that
    nothing runs on yet. A restored store holds every key with the revisions, the revision
    counter and the leases it had when the backup was taken, so resourceVersions stay valid.
    """

    async def backup(self, destination: Path) -> int:
        """Write a consistent copy to ``destination`` (replaced atomically); return a revision
        the copy holds at least."""

    async def restore(self, source: Path, target: Path | None = None) -> None:
        """Build a store at ``target`` (the backend's own location when None, if it has one)
        from the copy at ``source``. StorageError if ``target`` already holds data."""


# -- argument rules every backend enforces (the conformance suite checks them) ----------------


def check_key(key: object) -> None:
    """Keys are ``str``: TypeError otherwise."""
    if not isinstance(key, str):
        raise TypeError(f"keys are str, not {type(key).__name__}")


def as_bytes(value: object) -> bytes:
    """Values are bytes-like: the value as ``bytes``, TypeError otherwise."""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"values are bytes, not {type(value).__name__}")
    return bytes(value)


def non_negative(name: str, value: object) -> int:
    """Revisions and limits are ints >= 0: TypeError / ValueError naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int")
    if value < 0:
        raise ValueError(f"{name} must be >= 0")
    return value
