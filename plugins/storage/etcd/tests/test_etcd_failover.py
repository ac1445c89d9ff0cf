"""Several members: a member killed under a client and its open watch; TLS to etcd."""

from __future__ import annotations

import asyncio

import pytest
from microkube_storage_etcd.backend import EtcdStorage
from microkube_storage_etcd.options import EtcdOptions

from microkube.contracts.storage import StorageError
from microkube.testing.conformance.storage import WatchReader
from microkube.testing.etcd import EtcdCluster, EtcdTLS


async def test_member_killed_under_writes_and_a_watch(tmp_path) -> None:
    with EtcdCluster(tmp_path, members=3) as cluster:
        storage = EtcdStorage(
            EtcdOptions(endpoints=cluster.endpoints, compaction_interval=0, request_timeout=3)
        )
        await storage.start()
        try:
            start = await storage.current_revision() + 1
            reader = WatchReader(storage.watch("/ha/", start_revision=start), timeout=15)
            acknowledged: dict[str, int] = {}
            for i in range(20):
                acknowledged[f"/ha/{i:03}"] = await storage.create(f"/ha/{i:03}", b"v")
            used = storage.client.current
            cluster.kill(used)  # the member serving both the calls and the watch
            for i in range(20, 60):
                key = f"/ha/{i:03}"
                try:
                    acknowledged[key] = await storage.create(key, b"v")
                except StorageError as exc:  # outcome unknown: only allowed as such
                    assert "outcome unknown" in str(exc)
            assert storage.client.current != used
            events = await reader.events(len(acknowledged))
            revisions = [e.kv.mod_revision for e in events]
            assert revisions == sorted(set(revisions)), "watch repeated or reordered events"
            seen = {e.kv.key: e.kv.mod_revision for e in events}
            assert {k: seen.get(k) for k in acknowledged} == acknowledged
            stored = await storage.range("/ha/")
            assert {kv.key for kv in stored.items} >= set(acknowledged)
            cluster.restart(used)
        finally:
            await storage.close()


async def test_tls_with_client_certificates(tmp_path) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("microkube-apiserver")
    files = {}
    for name, blob in {
        "ca.pem": ca.cert_pem,
        "server.pem": server.cert_chain_pems[0],
        "server-key.pem": server.private_key_pem,
        "client.pem": client.cert_chain_pems[0],
        "client-key.pem": client.private_key_pem,
    }.items():
        files[name] = tmp_path / name
        blob.write_to_path(str(files[name]))
    tls = EtcdTLS(
        cert_file=files["server.pem"], key_file=files["server-key.pem"], ca_file=files["ca.pem"]
    )
    with EtcdCluster(tmp_path / "etcd", tls=tls) as cluster:
        assert cluster.endpoints[0].startswith("https://")
        storage = EtcdStorage(
            EtcdOptions(
                endpoints=cluster.endpoints,
                ca_file=str(files["ca.pem"]),
                cert_file=str(files["client.pem"]),
                key_file=str(files["client-key.pem"]),
                compaction_interval=0,
            )
        )
        await storage.start()
        try:
            revision = await storage.create("/tls/a", b"secret")
            assert (await storage.get("/tls/a")).mod_revision == revision
        finally:
            await storage.close()
        anonymous = EtcdStorage(
            EtcdOptions(
                endpoints=cluster.endpoints,
                ca_file=str(files["ca.pem"]),
                compaction_interval=0,
                request_timeout=2,
            )
        )
        with pytest.raises(StorageError):
            await asyncio.wait_for(anonymous.start(), 30)
