"""`microkube up --storage etcd --etcd-endpoints ...`: the API server keeps objects in etcd."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from microkube.config import Config
from microkube.default_commands import with_storage
from microkube.testing.cluster import KUBECTL
from microkube.testing.etcd import ETCD, EtcdCluster

pytestmark = pytest.mark.skipif(not Path(ETCD).exists(), reason="etcd is not installed")


def test_flags_set_storage_and_etcd_endpoints():
    config = Config(options={"etcd": {"prefix": "/one"}})
    changed = with_storage(config, "etcd", "http://127.0.0.1:1,http://127.0.0.1:2")
    assert changed.storage == "etcd"
    assert changed.options["etcd"] == {
        "prefix": "/one",
        "endpoints": "http://127.0.0.1:1,http://127.0.0.1:2",
    }
    assert with_storage(config, None, None) == config


def test_up_with_etcd_serves_objects_stored_in_etcd(tmp_path: Path) -> None:
    with EtcdCluster(tmp_path / "etcd", members=1) as etcd:
        data = tmp_path / "data"
        command = [
            sys.executable, "-m", "microkube.cli", "--data-dir", str(data), "up", "apiserver",
            "--port", "0", "--storage", "etcd", "--etcd-endpoints", ",".join(etcd.endpoints),
        ]  # fmt: skip
        log = open(tmp_path / "up.log", "wb")  # noqa: SIM115 - closed below
        up = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            kubeconfig = data / "kubeconfig"
            env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
            deadline = time.monotonic() + 30
            while True:
                if up.poll() is not None:
                    pytest.fail(f"up exited: {(tmp_path / 'up.log').read_text()[-2000:]}")
                if kubeconfig.exists():
                    probe = subprocess.run(
                        [KUBECTL, "get", "namespace", "default", "-o", "name"],
                        env=env, capture_output=True, text=True, timeout=30,
                    )  # fmt: skip
                    if probe.returncode == 0:
                        break
                assert time.monotonic() < deadline, (tmp_path / "up.log").read_text()[-2000:]
                time.sleep(0.1)
            created = subprocess.run(
                [KUBECTL, "create", "configmap", "kept", "--from-literal=a=b", "-o", "json"],
                env=env, capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            assert created.returncode == 0, created.stderr
            rv = json.loads(created.stdout)["metadata"]["resourceVersion"]
            stored = etcd.etcdctl("get", "--prefix", "/registry/", "-w", "json")
            kvs = {
                base64.b64decode(kv["key"]).decode(): kv["mod_revision"]
                for kv in json.loads(stored)["kvs"]
            }
            (key,) = [k for k in kvs if k.endswith("/configmaps/default/kept")]
            assert str(kvs[key]) == rv  # etcd's revision is the resourceVersion
        finally:
            os.killpg(up.pid, signal.SIGTERM)
            try:
                up.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(up.pid, signal.SIGKILL)
                up.wait()
            log.close()
