"""``EtcdStorage``: the storage contract over an etcd v3 cluster.

Every contract call is one etcd request: a create is a ``Txn`` on ``create_revision == 0``, an
update or delete a ``Txn`` comparing ``mod_revision`` (or, with 0, that the key exists), whose
failure branch reads the key so the error can say what is stored; reads are ``Range`` at a
revision; leases are etcd's own (etcd expires them and deletes their keys with watch events).
etcd's revisions are the resourceVersions, so several API servers over one etcd agree.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from microkube.contracts import FactoryContext
from microkube.contracts.storage import (
    CompactedError,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    RangeResult,
    RevisionMismatchError,
    StorageError,
    as_bytes,
    check_key,
    non_negative,
)
from microkube_storage_etcd import messages as pb
from microkube_storage_etcd.client import (
    COMPACTED,
    FUTURE_REV,
    LEASE_NOT_FOUND,
    EtcdClient,
    EtcdRpcError,
)
from microkube_storage_etcd.compaction import EtcdCompactor
from microkube_storage_etcd.convert import Keys
from microkube_storage_etcd.options import EtcdOptions, parse_options
from microkube_storage_etcd.watch import EtcdWatch

log = logging.getLogger(__name__)


class EtcdStorage:
    """A :class:`~microkube.contracts.storage.Storage` in an etcd cluster."""

    def __init__(self, options: EtcdOptions | None = None) -> None:
        self.options = options or EtcdOptions()
        self.keys = Keys(self.options.prefix)
        self._client: EtcdClient | None = None
        self._watches: set[EtcdWatch] = set()
        self._compactor_task: asyncio.Task[None] | None = None
        self._closed = False

    @classmethod
    def from_context(cls, context: FactoryContext) -> EtcdStorage:
        return cls(parse_options(context.options))

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        if self._client is not None:
            return
        self._client = EtcdClient(self.options)
        try:
            await self.current_revision()  # fail at start, not at the first request
        except BaseException:
            await self.close()
            raise
        if self.options.compaction_interval:
            compactor = EtcdCompactor(self, interval=self.options.compaction_interval)
            self._compactor_task = asyncio.get_running_loop().create_task(compactor.run())

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._compactor_task is not None:
            self._compactor_task.cancel()
            await asyncio.gather(self._compactor_task, return_exceptions=True)
        await asyncio.gather(*(w.close() for w in list(self._watches)), return_exceptions=True)
        if self._client is not None:
            await self._client.close()

    @property
    def client(self) -> EtcdClient:
        if self._closed:
            raise StorageError("storage is closed")
        if self._client is None:
            raise StorageError("storage is not started")
        return self._client

    @property
    def watch_count(self) -> int:
        return len(self._watches)

    # -- reads --------------------------------------------------------------------------

    async def current_revision(self) -> int:
        # A range of one impossible key: the header carries the store revision.
        response = await self._call("range", pb.RangeRequest(key=b"\0", count_only=True))
        return response.header.revision

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | None:
        check_key(key)
        request = pb.RangeRequest(
            key=self.keys.key(key), revision=non_negative("revision", revision)
        )
        response = await self._call("range", request, revision=revision)
        return self.keys.kv(response.kvs[0]) if response.kvs else None

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
        start, end = self.keys.range(prefix)
        if start_after is not None:
            check_key(start_after)
            start = max(start, self.keys.key(start_after) + b"\0")
        request = pb.RangeRequest(
            key=start,
            range_end=end,
            limit=non_negative("limit", limit),
            revision=non_negative("revision", revision),
            count_only=bool(count_only),
        )
        response = await self._call("range", request, revision=revision)
        return RangeResult(
            items=tuple(self.keys.kv(kv) for kv in response.kvs),
            revision=revision or response.header.revision,
            more=response.more,
            count=response.count,
        )

    # -- writes -------------------------------------------------------------------------

    async def create(self, key: str, value: bytes, *, lease: int = 0) -> int:
        check_key(key)
        raw = self.keys.key(key)
        txn = pb.TxnRequest(
            compare=[pb.Compare(key=raw, target=pb.TARGET_CREATE, create_revision=0)],
            success=[
                pb.RequestOp(
                    request_put=pb.PutRequest(
                        key=raw, value=as_bytes(value), lease=non_negative("lease", lease)
                    )
                )
            ],
        )
        response = await self._call("txn", txn, write=True)
        if not response.succeeded:
            raise KeyExistsError(key)
        return response.header.revision

    async def update(self, key: str, value: bytes, *, expected_revision: int) -> int:
        check_key(key)
        raw = self.keys.key(key)
        put = pb.PutRequest(key=raw, value=as_bytes(value), ignore_lease=True)
        response = await self._call("txn", self._guarded(raw, expected_revision, put), write=True)
        if not response.succeeded:
            self._guard_failed(key, response)
        return response.header.revision

    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        check_key(key)
        raw = self.keys.key(key)
        delete = pb.DeleteRangeRequest(key=raw, prev_kv=True)
        response = await self._call(
            "txn", self._guarded(raw, expected_revision, delete), write=True
        )
        if not response.succeeded:
            self._guard_failed(key, response)
        deleted = response.responses[0].response_delete_range
        if not deleted.prev_kvs:  # deleted by someone else between compare and apply: no
            raise KeyNotFoundError(key)  # such window exists in etcd, kept as a guard
        last = self.keys.kv(deleted.prev_kvs[0])
        return KeyValue(
            key=last.key,
            value=last.value,
            create_revision=last.create_revision,
            mod_revision=response.header.revision,
            version=last.version,
            lease=last.lease,
        )

    def _guarded(self, raw: bytes, expected: int, op: Any) -> Any:
        """A Txn applying ``op`` if the key's mod_revision is ``expected`` (0: if it exists),
        reading the key otherwise."""
        expected = non_negative("expected_revision", expected)
        if expected:
            compare = pb.Compare(
                key=raw, target=pb.TARGET_MOD, result=pb.EQUAL, mod_revision=expected
            )
        else:
            compare = pb.Compare(
                key=raw, target=pb.TARGET_CREATE, result=pb.GREATER, create_revision=0
            )
        field = "request_put" if isinstance(op, pb.PutRequest) else "request_delete_range"
        return pb.TxnRequest(
            compare=[compare],
            success=[pb.RequestOp(**{field: op})],
            failure=[pb.RequestOp(request_range=pb.RangeRequest(key=raw))],
        )

    def _guard_failed(self, key: str, response: Any) -> None:
        current = response.responses[0].response_range.kvs
        if not current:
            raise KeyNotFoundError(key)
        raise RevisionMismatchError(key, self.keys.kv(current[0]))

    # -- watch --------------------------------------------------------------------------

    def watch(self, prefix: str, *, start_revision: int) -> EtcdWatch:
        check_key(prefix)
        watch = EtcdWatch(
            self.client,
            self.keys,
            prefix,
            non_negative("start_revision", start_revision),
            progress_interval=self.options.progress_interval,
            on_close=self._watches.discard,
        )
        self._watches.add(watch)
        return watch

    # -- compaction ---------------------------------------------------------------------

    async def compact(self, revision: int) -> None:
        """Compact etcd's history below ``revision`` and wait until it is physically gone."""
        revision = non_negative("revision", revision)
        request = pb.CompactionRequest(revision=revision, physical=True)
        await self._call("compact", request, revision=revision)

    async def compact_revision(self, at_least: int) -> int:
        """etcd's compaction point, known to be at least ``at_least`` (etcd does not report
        it with a failed read; a watch from revision 1 is cancelled with it)."""
        client = self.client
        call = client.watch_stream(client.current)
        try:
            create = pb.WatchCreateRequest(key=b"\0", start_revision=1)
            await call.write(pb.WatchRequest(create_request=create))
            async with asyncio.timeout(min(self.options.request_timeout, 2.0)):
                while True:
                    response = await call.read()
                    if response.compact_revision:
                        return response.compact_revision
        except TimeoutError:
            return at_least
        finally:
            call.cancel()

    # -- leases -------------------------------------------------------------------------

    async def grant_lease(self, ttl_seconds: int) -> int:
        if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int):
            raise TypeError("ttl_seconds must be an int")
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        response = await self._call("lease_grant", pb.LeaseGrantRequest(TTL=ttl_seconds))
        if response.error:
            raise StorageError(f"etcd lease grant: {response.error}")
        return response.ID

    async def revoke_lease(self, lease_id: int) -> None:
        await self._call("lease_revoke", pb.LeaseRevokeRequest(ID=lease_id), write=True)

    # -- backup -------------------------------------------------------------------------

    async def backup(self, destination: Path) -> int:
        """Stream etcd's snapshot (Maintenance/Snapshot) to ``destination``; return the
        revision it holds at least. See :mod:`.snapshot`."""
        from microkube_storage_etcd.snapshot import save_snapshot

        if self._client is not None:
            return await save_snapshot(self, Path(destination))
        # Not started (``microkube backup``): a client for this call only, no compactor.
        self._client = EtcdClient(self.options)
        try:
            return await save_snapshot(self, Path(destination))
        finally:
            client, self._client = self._client, None
            await client.close()

    async def restore(
        self,
        source: Path,
        target: Path | None = None,
        *,
        name: str = "default",
        initial_cluster: str | None = None,
        peer_url: str = "http://localhost:2380",
    ) -> None:
        """Build a new etcd member data directory ``target`` from a snapshot (etcd must not
        run there); ``name``/``initial_cluster``/``peer_url`` describe the member and the
        cluster it will form (default: a one-member cluster). See :mod:`.snapshot`."""
        from microkube_storage_etcd.snapshot import restore_snapshot

        if target is None:
            raise StorageError("restoring etcd needs a target: a new member data directory")
        await restore_snapshot(
            Path(source),
            Path(target),
            name=name,
            initial_cluster=initial_cluster,
            peer_url=peer_url,
        )

    # -- internals ----------------------------------------------------------------------

    async def _call(self, method: str, request: Any, *, revision: int = 0, write: bool = False):
        try:
            return await self.client.call(method, request, write=write)
        except EtcdRpcError as exc:
            raise await self._translate(exc, revision) from None

    async def _translate(self, exc: EtcdRpcError, revision: int) -> StorageError:
        if COMPACTED in exc.details:
            return CompactedError(revision, await self.compact_revision(revision))
        if FUTURE_REV in exc.details:
            return FutureRevisionError(revision, await self.current_revision())
        if LEASE_NOT_FOUND in exc.details:
            return StorageError(f"lease not found: {exc.details}")
        return exc
