"""A cluster started the way `make up` starts it: ``microkube up`` as a process, stopped by PID.

One cluster serves the module's tests (starting one costs seconds), once per container runtime
(``up_cluster`` is parametrised: ``process``, then ``containerd``). Its configuration differs
from `make up`'s only where a test needs it: ephemeral ports, a fresh data directory, pods
stopped when the cluster stops (so nothing outlives the test run), and a short
CrashLoopBackOff base so growing back-off shows within seconds.

With ``containerd``, the fixture starts a real containerd by PID in a network namespace of its
own (:class:`microkube.testing.containerd.Containerd`) and imports the images the tests name,
built from this machine's busybox-static and python3 (no registry is reachable here); the
cluster's kubelet is pointed at its socket.

``microkube up`` is a networked cluster (CNI bridge, kube-proxy, DNS), so it runs in a network
namespace the fixture makes — a host of its own with an uplink address and a default route —
never in the test's: kubectl (:meth:`UpCluster.command`) and the tests' own connections
(:meth:`UpCluster.call`) go into that namespace too.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from microkube.testing.cluster import KUBECTL
from microkube.testing.containerd import (
    Containerd,
    busybox_image_archive,
    containerd_available,
    python_image_archive,
)
from microkube.testing.netns import NetNamespace

MICROKUBE = Path(sys.executable).with_name("microkube")
START_SECONDS = 60.0
RUNTIMES = ("process", "containerd")
#: The images the tests name, as containerd stores them (built locally for containerd). Tagged,
#: not ``latest``: ``latest`` defaults imagePullPolicy to Always, and no registry is reachable.
BUSYBOX_NAMES = ("docker.io/library/busybox:1.36",)
PYTHON_NAMES = ("docker.io/library/python:3-slim",)


class UpCluster:
    """A running ``microkube up`` and the real kubectl pointed at it."""

    def __init__(
        self,
        process: subprocess.Popen[str],
        data_dir: Path,
        log: Path,
        runtime: str,
        host: NetNamespace,
    ) -> None:
        self.process = process
        self.host = host
        self.runtime = runtime
        #: the cluster's containerd (runtime ``containerd`` only)
        self.containerd: Containerd | None = None
        self.data_dir = data_dir
        self.log = log
        self.kubeconfig = data_dir / "kubeconfig"

    def command(self, *argv: str) -> list[str]:
        """``argv`` run inside the cluster's network namespace."""
        return ["nsenter", f"--net={self.host.path}", *argv]

    def call(self, function: Any, *args: Any) -> Any:
        """``function(*args)`` on a thread inside the cluster's network namespace."""
        return self.host.call(function, *args)

    def kubectl(
        self, *args: str, check: bool = True, seconds: float = 60.0, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(KUBECTL, *args),
            capture_output=True,
            text=True,
            input=input,
            timeout=seconds,
            env={**os.environ, "KUBECONFIG": str(self.kubeconfig)},
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}: {result.stderr.strip()}")
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    def eventually(self, what: str, check: Any, seconds: float = 60.0) -> Any:
        """Poll ``check()`` until it returns something truthy; fail naming ``what``."""
        deadline = time.monotonic() + seconds
        last: Any = None
        while time.monotonic() < deadline:
            try:
                last = check()
            except AssertionError as exc:
                last = exc
            else:
                if last:
                    return last
            time.sleep(0.5)
        raise AssertionError(f"{what} not seen within {seconds:.0f} s (last: {last!r})")


def _node_ready(cluster: UpCluster) -> bool:
    nodes = cluster.json("get", "nodes")["items"]
    return any(
        c["type"] == "Ready" and c["status"] == "True"
        for node in nodes
        for c in (node.get("status") or {}).get("conditions", [])
    )


def _containerd(base: Path, netns: str) -> Containerd:
    """A started containerd in the cluster's network namespace (the kubelet reaches its
    streaming server and its pods' IPs there) holding the tests' images (the caller closes
    it)."""
    daemon = Containerd(base, netns=netns)
    try:
        daemon.start()
        daemon.import_images()
        images = base / "images"
        for name in BUSYBOX_NAMES:
            daemon.import_archive(busybox_image_archive(images / "busybox-e2e.tar", name))
        for name in PYTHON_NAMES:
            daemon.import_archive(python_image_archive(images / "python-e2e.tar", name))
    except BaseException:
        daemon.close()
        raise
    return daemon


@pytest.fixture(scope="module", params=RUNTIMES)
def up_cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[UpCluster]:
    runtime = request.param
    if runtime == "containerd" and (missing := containerd_available()) is not None:
        pytest.skip(f"no containerd here: {missing}")
    host = _host_namespace()
    containerd: Containerd | None = None
    try:
        if runtime == "containerd":
            # A short path: containerd's socket path must stay under 108 bytes.
            containerd = _containerd(Path(tempfile.mkdtemp(prefix="mke2e-")), host.path)
        yield from _up(tmp_path_factory, runtime, host, containerd)
    finally:
        if containerd is not None:
            containerd.close()
            shutil.rmtree(containerd.base, ignore_errors=True)
        host.close()


def _up(
    tmp_path_factory: pytest.TempPathFactory,
    runtime: str,
    host: NetNamespace,
    containerd: Containerd | None,
) -> Iterator[UpCluster]:
    work = tmp_path_factory.mktemp(f"up-{runtime}")
    data_dir = work / "data"
    options: dict[str, Any] = {
        "apiserver": {"port": 0},
        "kubelet": {
            "port": 0,
            "crashloop-backoff-initial": 1,
            "crashloop-backoff-max": 8,
            "stats-interval": 2,
            "node-status-update-frequency": 1,
        },
        "process": {"stop-pods-on-close": True},
    }
    if containerd is not None:
        options["containerd"] = {
            "address": containerd.address,
            "pod-cidr": "10.88.0.0/24",
            "cgroup-parent": containerd.cgroup_prefix,
            "stop-pods-on-close": True,
        }
    config = {"data-dir": str(data_dir), "runtime": runtime, "options": options}
    (work / "config.json").write_text(json.dumps(config))
    log = work / "up.log"
    with log.open("w") as out:
        process = host.popen(
            str(MICROKUBE),
            "--config",
            str(work / "config.json"),
            "up",
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    cluster = UpCluster(process, data_dir, log, runtime, host)
    cluster.containerd = containerd
    try:
        deadline = time.monotonic() + START_SECONDS
        while not cluster.kubeconfig.exists():
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "no kubeconfig written"
            time.sleep(0.2)
        cluster.eventually("the node Ready", lambda: _node_ready(cluster), START_SECONDS)
        yield cluster
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _host_namespace() -> NetNamespace:
    """A network namespace standing for the cluster's host: loopback and an uplink with an
    address and a default route (a port-less bridge: nothing leaves it)."""
    host = NetNamespace().start()
    try:
        host.add_uplink()
    except BaseException:
        host.close()
        raise
    return host
