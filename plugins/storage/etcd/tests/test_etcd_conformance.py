"""The etcd backend passes the storage conformance suite against a real etcd."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from microkube_storage_etcd.backend import EtcdStorage
from microkube_storage_etcd.options import EtcdOptions

from microkube.testing.conformance import StorageConformance


class TestEtcdConformance(StorageConformance):
    """etcd expires leases itself, on its own clock: the lease tests wait for real."""

    @pytest.fixture
    async def storage(self, etcd) -> AsyncIterator[EtcdStorage]:
        backend = EtcdStorage(
            EtcdOptions(endpoints=etcd.endpoints, compaction_interval=0, prefix="/conf")
        )
        await backend.start()
        yield backend
        await backend.close()
