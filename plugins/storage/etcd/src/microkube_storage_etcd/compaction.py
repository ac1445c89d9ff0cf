"""Periodic compaction of etcd, coordinated across API servers as kube-apiserver does it.

kube-apiserver (``storage/etcd3/compact.go``) keeps a counter in the key ``compact_rev_key``:
every interval each API server tries a compare-and-swap on that key's version; the one that
wins compacts etcd to the revision it saw at its previous turn (so one interval of history
is always kept) and the others just learn the new version. However many API servers run,
etcd is compacted once per interval. The key sits outside the cluster's ``/registry`` keys.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from microkube.contracts.storage import CompactedError, StorageError
from microkube_storage_etcd import messages as pb

if TYPE_CHECKING:
    from microkube_storage_etcd.backend import EtcdStorage

log = logging.getLogger(__name__)

COMPACT_REV_KEY = "compact_rev_key"


class EtcdCompactor:
    def __init__(self, storage: EtcdStorage, *, interval: float) -> None:
        self.storage = storage
        self.interval = interval
        #: The version of ``compact_rev_key`` last seen, and the revision seen with it.
        self.version = 0
        self.revision = 0

    async def tick(self) -> int | None:
        """One turn: return the revision compacted to, or None if another server won or
        there is nothing to compact yet."""
        raw = self.storage.keys.key(COMPACT_REV_KEY)
        txn = pb.TxnRequest(
            compare=[pb.Compare(key=raw, target=0, result=pb.EQUAL, version=self.version)],
            success=[
                pb.RequestOp(request_put=pb.PutRequest(key=raw, value=str(self.revision).encode()))
            ],
            failure=[pb.RequestOp(request_range=pb.RangeRequest(key=raw))],
        )
        response = await self.storage.client.call("txn", txn, write=True)
        target, self.revision = self.revision, response.header.revision
        if not response.succeeded:
            kvs = response.responses[0].response_range.kvs
            self.version = kvs[0].version if kvs else 0
            return None
        self.version += 1
        if target == 0:
            return None  # the first turn only records where history starts
        try:
            await self.storage.compact(target)
        except CompactedError:
            return None  # compacted further already
        return target

    async def run(self) -> None:
        """Tick every ``interval`` seconds until cancelled; failures are logged, not fatal."""
        while True:
            try:
                compacted = await self.tick()
            except StorageError as exc:
                log.warning("etcd compaction failed: %s", exc)
                compacted = None
            if compacted is not None:
                log.info("compacted etcd history up to revision %d", compacted)
            await asyncio.sleep(self.interval)
