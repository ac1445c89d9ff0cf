"""``SqliteStorage``: the storage contract over one SQLite file.

The pieces, each in its own module: :mod:`.writer` (the one write connection, group commit),
:mod:`.readpool` + :mod:`.reads` (snapshot reads on reader threads), :mod:`.watch` (live fan-out
and replay), :mod:`.leases` (expiry), :mod:`microkube.compaction` (automatic compaction). This class
checks arguments, wires the pieces together and owns their lifecycle.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from microkube.compaction import Compactor
from microkube.contracts import FactoryContext
from microkube.contracts.storage import (
    KeyValue,
    RangeResult,
    StorageError,
    WatchEvent,
    as_bytes,
    check_key,
    non_negative,
)
from microkube_storage_sqlite import reads
from microkube_storage_sqlite.leases import LeaseReaper
from microkube_storage_sqlite.lockfile import DatabaseLock
from microkube_storage_sqlite.ops import Compact, Create, Delete, GrantLease, RevokeLease, Update
from microkube_storage_sqlite.options import SqliteOptions, parse_options
from microkube_storage_sqlite.readpool import ReadPool
from microkube_storage_sqlite.watch import SqliteWatch, WatchHub
from microkube_storage_sqlite.writer import Committed, Writer


class SqliteStorage:
    """A :class:`~microkube.contracts.storage.Storage` in one SQLite database file.

    ``clock`` (seconds since the epoch) drives lease deadlines; tests pass a fake one and call
    :meth:`expire_leases` instead of sleeping.
    """

    def __init__(
        self,
        path: Path | str,
        options: SqliteOptions | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.options = options or SqliteOptions()
        self._clock = clock
        self._lock = DatabaseLock(self.path)
        self._writer: Writer | None = None
        self._reads: ReadPool | None = None
        self._hub: WatchHub | None = None
        self._reaper: LeaseReaper | None = None
        self._compactor: Compactor | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._closed = False

    @classmethod
    def from_context(cls, context: FactoryContext) -> SqliteStorage:
        """Build from the plugin's configuration section (see :mod:`.options`)."""
        options = parse_options(context.options)
        return cls(options.database(context.data_dir), options)

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        opts = self.options
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock.acquire()
        try:
            self._writer = Writer(
                self.path,
                synchronous=opts.synchronous,
                max_batch=opts.max_batch,
                on_commit=self._published,
                clock=self._clock,
            )
            await self._writer.start()
            self._reads = ReadPool(
                self.path, threads=opts.read_threads, synchronous=opts.synchronous
            )
            self._hub = WatchHub(
                self._history,
                revision=self._writer.revision,
                compact_rev=self._writer.compact_rev,
                ring_capacity=opts.watch_cache_size,
                buffer_limit=opts.watch_buffer_limit,
                progress_interval=opts.progress_interval or None,
            )
            self._reaper = LeaseReaper(self._expire, clock=self._clock)
            for lease, expires_at in await self._reads.read(_all_leases):
                self._reaper.add(lease, expires_at)
            # Leases that ran out while the process was down go before anyone reads.
            await self._reaper.expire_due()
            self._spawn(self._reaper.run())
            if opts.compaction_interval:
                self._compactor = Compactor(
                    self.compact,
                    revision=lambda: self._require_writer().revision,
                    compacted=lambda: self._require_writer().compact_rev,
                    interval=opts.compaction_interval,
                    retain_revisions=opts.compaction_retain_revisions,
                    retain_seconds=opts.compaction_retain_seconds,
                )
                self._spawn(self._compactor.run())
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in self._tasks:
            task.cancel()
        # gather, not `suppress(CancelledError)`: that would also swallow a cancellation
        # of close() itself.
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._hub is not None:
            self._hub.close()
        if self._writer is not None:
            await self._writer.close()
        if self._reads is not None:
            await asyncio.to_thread(self._reads.close)
        self._lock.release()

    # -- reads --------------------------------------------------------------------------

    async def current_revision(self) -> int:
        if self._closed:
            raise StorageError("storage is closed")
        return self._require_writer().revision

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | None:
        check_key(key)
        revision = non_negative("revision", revision)
        query = functools.partial(reads.get, key=key, revision=revision)
        return self._require_reads().read_now(query)

    async def range(
        self,
        prefix: str,
        *,
        start_after: str | None = None,
        limit: int = 0,
        revision: int = 0,
        count_only: bool = False,
    ) -> RangeResult:
        check_key(prefix)
        if start_after is not None:
            check_key(start_after)
        query = functools.partial(
            reads.range_,
            prefix=prefix,
            start_after=start_after,
            limit=non_negative("limit", limit),
            revision=non_negative("revision", revision),
            count_only=bool(count_only),
        )
        return await self._require_reads().read(query)

    # -- writes -------------------------------------------------------------------------

    async def create(self, key: str, value: bytes, *, lease: int = 0) -> int:
        check_key(key)
        return await self._submit(Create(key, as_bytes(value), non_negative("lease", lease)))

    async def update(self, key: str, value: bytes, *, expected_revision: int) -> int:
        check_key(key)
        expected = non_negative("expected_revision", expected_revision)
        return await self._submit(Update(key, as_bytes(value), expected))

    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        check_key(key)
        return await self._submit(Delete(key, non_negative("expected_revision", expected_revision)))

    # -- watch --------------------------------------------------------------------------

    def watch(self, prefix: str, *, start_revision: int) -> SqliteWatch:
        check_key(prefix)
        if self._hub is None:
            raise StorageError("storage is not started")
        return self._hub.open(prefix, non_negative("start_revision", start_revision))

    def notify_progress(self) -> None:
        """Send every open watch a progress notification (etcd's RequestProgress)."""
        if self._hub is not None:
            self._hub.notify_progress()

    @property
    def write_transactions(self) -> int:
        """Write transactions committed since start (group commit makes it < writes)."""
        return 0 if self._writer is None else self._writer.commits

    @property
    def watch_count(self) -> int:
        return 0 if self._hub is None else self._hub.watch_count

    # -- compaction ---------------------------------------------------------------------

    async def compact(self, revision: int) -> None:
        """Compact, and return once the history below ``revision`` is physically gone."""
        await self._submit(Compact(revision))
        await self._require_writer().compacted(revision)

    # -- leases -------------------------------------------------------------------------

    async def grant_lease(self, ttl_seconds: int) -> int:
        if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int):
            raise TypeError("ttl_seconds must be an int")
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        lease, expires_at = await self._submit(GrantLease(ttl_seconds))
        self._require_reaper().add(lease, expires_at)
        return lease

    async def revoke_lease(self, lease_id: int) -> None:
        await self._submit(RevokeLease(lease_id))
        self._require_reaper().discard(lease_id)

    async def expire_leases(self) -> int:
        """Expire every lease whose deadline (by ``clock``) has passed; return how many.
        The backend does this on its own; tests with a fake clock call it directly."""
        return await self._require_reaper().expire_due()

    async def _expire(self, lease: int) -> None:
        await self._submit(RevokeLease(lease, missing_ok=True))

    # -- backup (the optional BackupCapable contract) -----------------------------------

    async def backup(self, destination: Path) -> int:
        """Copy the store (possibly owned by another process) to ``destination`` through
        SQLite's online backup API; see :mod:`.backup`."""
        from microkube_storage_sqlite.backup import backup_file

        return await asyncio.to_thread(backup_file, self.path, Path(destination))

    async def restore(self, source: Path, target: Path | None = None) -> None:
        """Build the store at ``target`` (default: this backend's database file, which must
        not hold a store yet) from a backup."""
        from microkube_storage_sqlite.backup import restore_file

        await asyncio.to_thread(restore_file, Path(source), Path(target or self.path))

    # -- internals ----------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        self._tasks.append(asyncio.get_running_loop().create_task(coro))

    async def _submit(self, op: Any) -> Any:
        if self._closed:
            raise StorageError("storage is closed")
        return await self._require_writer().submit(op)

    def _published(self, committed: Committed) -> None:
        if self._hub is not None:
            self._hub.publish(committed.events, committed.revision, committed.compact_rev)

    async def _history(self, prefix: str, first: int, last: int) -> list[WatchEvent]:
        query = functools.partial(reads.events, prefix=prefix, first=first, last=last)
        return await self._require_reads().read(query)

    def _require_writer(self) -> Writer:
        if self._writer is None:
            raise StorageError("storage is not started")
        return self._writer

    def _require_reads(self) -> ReadPool:
        if self._reads is None or self._closed:
            raise StorageError("storage is closed" if self._closed else "storage is not started")
        return self._reads

    def _require_reaper(self) -> LeaseReaper:
        if self._reaper is None:
            raise StorageError("storage is not started")
        return self._reaper


def _all_leases(conn: Any) -> list[tuple[int, float]]:
    return conn.execute("SELECT id, expires_at FROM leases").fetchall()
