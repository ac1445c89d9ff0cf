"""Group commit: concurrent writes share transactions, yet each is all-or-nothing."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import attrs
import pytest
from microkube_storage_sqlite.ops import WriteTxn
from microkube_storage_sqlite.rows import Row

from microkube.contracts.storage import KeyExistsError, KeyNotFoundError, StorageError


@attrs.frozen
class _Block:
    """Holds the writer thread inside a transaction until released, so that the writes
    queued meanwhile are certain to share the next one."""

    entered: threading.Event
    release: threading.Event

    def apply(self, txn: WriteTxn) -> None:
        self.entered.set()
        self.release.wait(5)


@attrs.frozen
class _FailAfterWriting:
    """Writes a row and then fails the way a full disk would."""

    def apply(self, txn: WriteTxn) -> None:
        rev = txn.next_revision()
        txn.insert(Row("/poison", rev, rev, 1, 0, 0, 0, b"half"))
        raise sqlite3.OperationalError("database or disk is full")


async def _hold_writer(storage) -> tuple[asyncio.Future, threading.Event]:
    entered, release = threading.Event(), threading.Event()
    blocked = asyncio.ensure_future(storage._writer.submit(_Block(entered, release)))
    await asyncio.to_thread(entered.wait, 5)
    return blocked, release


async def test_concurrent_creates_of_distinct_keys(open_storage):
    storage = await open_storage()
    before = await storage.current_revision()
    commits = storage.write_transactions
    n = 300
    revisions = await asyncio.gather(
        *(storage.create(f"/many/{i:04d}", f"value-{i}".encode()) for i in range(n))
    )
    # N writes, N distinct revisions with no holes, in far fewer transactions.
    assert sorted(revisions) == list(range(before + 1, before + n + 1))
    assert storage.write_transactions - commits < n
    result = await storage.range("/many/")
    assert [(kv.key, kv.value, kv.mod_revision) for kv in result.items] == [
        (f"/many/{i:04d}", f"value-{i}".encode(), revisions[i]) for i in range(n)
    ]


async def test_concurrent_creates_of_one_key_have_one_winner(open_storage):
    storage = await open_storage()
    n = 64
    results = await asyncio.gather(
        *(storage.create("/one", str(i).encode()) for i in range(n)), return_exceptions=True
    )
    winners = [(i, r) for i, r in enumerate(results) if isinstance(r, int)]
    assert len(winners) == 1
    assert all(isinstance(r, KeyExistsError) for r in results if not isinstance(r, int))
    (index, revision), kv = winners[0], await storage.get("/one")
    assert kv is not None and kv.value == str(index).encode() and kv.mod_revision == revision
    assert await storage.current_revision() == revision


async def test_failed_writes_in_a_batch_leave_the_others_alone(open_storage):
    storage = await open_storage()
    await storage.create("/taken", b"old")
    before = await storage.current_revision()
    blocked, release = await _hold_writer(storage)
    calls = [
        storage.create("/fresh-1", b"1"),
        storage.create("/taken", b"new"),
        storage.update("/missing", b"x", expected_revision=0),
        storage.create("/fresh-2", b"2"),
    ]
    pending = asyncio.gather(*calls, return_exceptions=True)
    await asyncio.sleep(0.05)
    commits = storage.write_transactions
    release.set()
    await blocked
    first, taken, missing, second = await pending
    assert storage.write_transactions - commits == 2  # the held batch, then one for all four
    assert isinstance(taken, KeyExistsError) and isinstance(missing, KeyNotFoundError)
    # Failures take no revision: the successes are consecutive.
    assert (first, second) == (before + 1, before + 2)
    kv = await storage.get("/taken")
    assert kv is not None and kv.value == b"old"


async def test_a_failing_transaction_commits_nothing_and_says_so(open_storage):
    storage = await open_storage()
    before = await storage.create("/before", b"v")
    blocked, release = await _hold_writer(storage)
    pending = asyncio.gather(
        storage.create("/a", b"1"),
        storage._writer.submit(_FailAfterWriting()),
        storage.create("/b", b"2"),
        return_exceptions=True,
    )
    await asyncio.sleep(0.05)
    release.set()
    await blocked
    results = await pending
    # Nobody is told "done" for a batch that did not commit.
    assert all(isinstance(r, StorageError) for r in results), results
    assert await storage.current_revision() == before
    assert (await storage.range("/")).count == 1
    assert await storage.get("/poison") is None
    # The store goes on, and the revision counter did not move.
    assert await storage.create("/after", b"v") == before + 1


async def test_values_and_keys_are_checked_before_queueing(open_storage):
    storage = await open_storage()
    with pytest.raises(TypeError):
        await storage.create("/a", "text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await storage.create(b"/a", b"v")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        await storage.update("/a", b"v", expected_revision=-1)
    with pytest.raises(ValueError):
        await storage.grant_lease(0)
    assert await storage.current_revision() == 0


async def test_a_lease_past_its_deadline_is_not_live(open_storage, clock):
    storage = await open_storage()
    lease = await storage.grant_lease(5)
    clock.advance(5)  # due, but not yet expired by the reaper
    with pytest.raises(StorageError, match="expired"):
        await storage.create("/a", b"v", lease=lease)
    with pytest.raises(StorageError, match="not found"):
        await storage.create("/a", b"v", lease=lease + 1000)
    with pytest.raises(StorageError):
        await storage.revoke_lease(lease + 1000)
