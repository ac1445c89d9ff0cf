"""One real etcd for the module that asks for it (started by PID, stopped after)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from microkube.testing.etcd import EtcdCluster


@pytest.fixture(scope="module")
def etcd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EtcdCluster]:
    with EtcdCluster(tmp_path_factory.mktemp("etcd")) as cluster:
        yield cluster
