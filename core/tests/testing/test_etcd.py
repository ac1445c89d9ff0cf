"""``microkube.testing.etcd``: real etcd members started by PID and stopped without leftovers."""

from __future__ import annotations

from pathlib import Path

import pytest

from microkube.testing.etcd import ETCD, EtcdCluster

pytestmark = pytest.mark.skipif(not Path(ETCD).exists(), reason="etcd is not installed")


def test_one_member_serves_and_stops_without_leftovers(tmp_path):
    with EtcdCluster(tmp_path) as cluster:
        (member,) = cluster.members
        assert member.running
        cluster.etcdctl("put", "/k", "v")
        assert cluster.etcdctl("get", "/k", "--print-value-only").strip() == "v"
        process = member.process
    assert process is not None and process.poll() is not None
    assert (tmp_path / "m0.etcd").is_dir() and (tmp_path / "m0.log").is_file()


def test_a_member_that_cannot_start_is_reported_with_its_log(tmp_path):
    cluster = EtcdCluster(tmp_path, extra_args=["--no-such-flag"], start_timeout=10)
    with pytest.raises(RuntimeError, match="no-such-flag"):
        cluster.start()
    assert all(not m.running for m in cluster.members)


def test_at_least_one_member():
    with pytest.raises(ValueError, match="at least one"):
        EtcdCluster("/nonexistent", members=0)
