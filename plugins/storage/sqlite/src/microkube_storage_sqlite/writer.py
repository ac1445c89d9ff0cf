"""The single writer: one thread, one connection, group commit.

Writes from every coroutine go through one queue. The writer thread takes everything waiting
(up to ``max_batch``), applies it in one transaction and commits once, so N concurrent writers
cost one commit instead of N. Only after COMMIT returns are the callers told their result, on
the event loop, in one callback per batch that also publishes the batch's watch events — so
an acknowledged write is durable and every watcher sees it in revision order.

Between batches (and whenever the queue is idle) it removes history below the compaction
point in small steps, so a large compaction never holds writes up for long.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from microkube.contracts.storage import StorageError, WatchEvent
from microkube_storage_sqlite.ops import COMPACT_STEP, Op, WriteTxn
from microkube_storage_sqlite.schema import connect, migrate

log = logging.getLogger(__name__)

#: Revisions whose superseded rows one compaction step removes.
COMPACT_STEP_REVISIONS = 2000


@attrs.frozen
class Committed:
    """What one transaction changed, handed to the loop after COMMIT."""

    events: list[WatchEvent]
    revision: int
    compact_rev: int


@attrs.frozen
class _Request:
    op: Op
    future: asyncio.Future[Any]


@attrs.frozen
class _WaitCompacted:
    point: int
    future: asyncio.Future[None]


_STOP = object()


class Writer:
    """Owns the database's write connection; see the module docstring."""

    def __init__(
        self,
        path: Path,
        *,
        synchronous: str,
        max_batch: int,
        on_commit: Callable[[Committed], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._path = path
        self._synchronous = synchronous
        self._max_batch = max_batch
        self._on_commit = on_commit
        self._clock = clock
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._dead = False  # the thread has stopped (closed, or failed unexpectedly)
        #: Write transactions committed (a batch of any size counts once).
        self.commits = 0
        # Owned by the writer thread once it runs; read elsewhere only as plain ints.
        self.revision = 0
        self.compact_rev = 0
        self._compacted_through = 0  # the next revision whose superseded rows to remove
        self._compact_waiters: list[_WaitCompacted] = []
        self._compact_retry_at = 0.0

    async def start(self) -> None:
        """Open (and if new, create) the database and start the thread."""
        self._loop = asyncio.get_running_loop()
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._main, args=(ready,), name="sqlite-writer", daemon=True
        )
        self._thread.start()
        await asyncio.wrap_future(ready)

    async def submit(self, op: Op) -> Any:
        """Apply ``op`` in the next batch; return its result once committed."""
        if self._closed:
            raise StorageError("storage is closed")
        assert self._loop is not None
        future = self._loop.create_future()
        self._queue.put(_Request(op, future))
        if self._dead:  # the thread is gone and may have drained the queue before our put
            self._fail_pending()
        return await future

    async def compacted(self, point: int) -> None:
        """Wait until the history below ``point`` is physically removed."""
        if self._closed:
            raise StorageError("storage is closed")
        assert self._loop is not None
        future = self._loop.create_future()
        self._queue.put(_WaitCompacted(point, future))
        if self._dead:
            self._fail_pending()
        await future

    async def close(self) -> None:
        """Finish what is queued, then stop the thread and close the connection."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._queue.put(_STOP)
            await asyncio.to_thread(self._thread.join)

    # -- the writer thread ----------------------------------------------------------------

    def _main(self, ready: concurrent.futures.Future[None]) -> None:
        try:
            conn = connect(self._path, synchronous=self._synchronous)
            try:
                migrate(conn)
                self.revision, self.compact_rev, self._compacted_through = conn.execute(
                    "SELECT revision, compact_rev, compacted_through FROM meta"
                ).fetchone()
            except BaseException:
                conn.close()
                raise
        except BaseException as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        try:
            self._serve(conn)
        except BaseException:
            log.exception("the sqlite writer thread failed; the store accepts no more writes")
            raise
        finally:
            self._dead = True
            self._fail_pending()
            conn.close()

    def _serve(self, conn: sqlite3.Connection) -> None:
        while True:
            item = self._next(conn)
            if item is None:
                continue
            items = [item]
            while len(items) < self._max_batch:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            requests = [i for i in items if isinstance(i, _Request)]
            if requests:
                self._commit(conn, requests)
            for i in items:
                if isinstance(i, _WaitCompacted):
                    self._compact_waiters.append(i)
            self._wake_compact_waiters()
            if _STOP in items:
                return
            if self._compaction_due():
                self._compact_step(conn)

    def _next(self, conn: sqlite3.Connection) -> Any:
        """The next queued item; while compaction work is due, do a step instead of waiting."""
        if not self._compaction_due():
            return self._queue.get()
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            self._compact_step(conn)
            return None

    def _commit(self, conn: sqlite3.Connection, requests: list[_Request]) -> None:
        txn = WriteTxn(conn, self.revision, self.compact_rev, self._clock())
        outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for request in requests:
                try:
                    outcomes.append((request.future, request.op.apply(txn), None))
                except (StorageError, ValueError, TypeError) as exc:
                    outcomes.append((request.future, None, exc))
            if txn.revision != self.revision or txn.compact_rev != self.compact_rev:
                conn.execute(
                    "UPDATE meta SET revision = ?, compact_rev = ?",
                    (txn.revision, txn.compact_rev),
                )
            conn.execute("COMMIT")
        except BaseException as exc:
            _rollback(conn)
            error = StorageError(f"sqlite write failed, nothing committed: {exc}")
            self._deliver([(r.future, None, error) for r in requests], None)
            if not isinstance(exc, Exception):
                raise
            return
        self.revision = txn.revision
        self.compact_rev = txn.compact_rev
        self.commits += 1
        self._deliver(outcomes, Committed(txn.events, txn.revision, txn.compact_rev))

    def _deliver(
        self,
        outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]],
        committed: Committed | None,
    ) -> None:
        def resolve() -> None:
            if committed is not None:
                self._on_commit(committed)
            for future, result, error in outcomes:
                if future.done():  # the caller was cancelled; the write stands regardless
                    continue
                if error is None:
                    future.set_result(result)
                else:
                    future.set_exception(error)

        self._call_soon(resolve)

    def _call_soon(self, callback: Callable[[], None]) -> None:
        assert self._loop is not None
        # RuntimeError: the loop is closed, so nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(callback)

    # -- physical compaction ------------------------------------------------------------

    def _compaction_due(self) -> bool:
        return (
            self._compacted_through < self.compact_rev
            and time.monotonic() >= self._compact_retry_at
        )

    def _compact_step(self, conn: sqlite3.Connection) -> None:
        point = self.compact_rev
        lo = self._compacted_through
        hi = min(lo + COMPACT_STEP_REVISIONS, point + 1)
        # Once done, resume from the point itself next time: a tombstone at the point is
        # kept now but goes with the next compaction.
        through = point if hi > point else hi
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(COMPACT_STEP, {"lo": lo, "hi": hi, "point": point})
            conn.execute("UPDATE meta SET compacted_through = ?", (through,))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(conn)
            log.warning("sqlite compaction step %d..%d failed (will retry): %s", lo, hi, exc)
            self._compact_retry_at = time.monotonic() + 1.0
            return
        self._compacted_through = through
        self._wake_compact_waiters()

    def _wake_compact_waiters(self) -> None:
        done = [w for w in self._compact_waiters if self._physically_compacted(w.point)]
        if not done:
            return
        self._compact_waiters = [w for w in self._compact_waiters if w not in done]

        def resolve() -> None:
            for waiter in done:
                if not waiter.future.done():
                    waiter.future.set_result(None)

        self._call_soon(resolve)

    def _physically_compacted(self, point: int) -> bool:
        # Steps cover revisions below ``_compacted_through``; a finished run sits at the point.
        return self._compacted_through >= self.compact_rev or self._compacted_through > point

    def _fail_pending(self) -> None:
        """Fail whatever is still queued (or waiting) once the thread stops."""
        error = StorageError("storage is closed")
        outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _Request | _WaitCompacted):
                outcomes.append((item.future, None, error))
        outcomes += [(w.future, None, error) for w in self._compact_waiters]
        self._compact_waiters = []
        if outcomes:
            self._deliver(outcomes, None)


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            log.warning("sqlite rollback failed: %s", exc)
