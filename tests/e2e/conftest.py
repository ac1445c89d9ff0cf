"""A cluster started the way `make up` starts it: ``microkube up`` as a process, stopped by PID.

One cluster serves the module's tests (starting one costs seconds). Its configuration differs
from `make up`'s only where a test needs it: ephemeral ports, a fresh data directory, the
process runtime stopping its pods when the cluster stops (so nothing outlives the test run),
and a short CrashLoopBackOff base so growing back-off shows within seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from microkube.testing.cluster import KUBECTL

MICROKUBE = Path(sys.executable).with_name("microkube")
START_SECONDS = 60.0


class UpCluster:
    """A running ``microkube up`` and the real kubectl pointed at it."""

    def __init__(self, process: subprocess.Popen[str], data_dir: Path, log: Path) -> None:
        self.process = process
        self.data_dir = data_dir
        self.log = log
        self.kubeconfig = data_dir / "kubeconfig"

    def kubectl(
        self, *args: str, check: bool = True, seconds: float = 60.0, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [KUBECTL, *args],
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
        for c in node["status"].get("conditions", [])
    )


@pytest.fixture(scope="module")
def up_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpCluster]:
    work = tmp_path_factory.mktemp("up")
    data_dir = work / "data"
    config = {
        "data-dir": str(data_dir),
        "options": {
            "apiserver": {"port": 0},
            "kubelet": {
                "port": 0,
                "crashloop-backoff-initial": 1,
                "crashloop-backoff-max": 8,
                "stats-interval": 2,
            },
            "process": {"stop-pods-on-close": True},
        },
    }
    (work / "config.json").write_text(json.dumps(config))
    log = work / "up.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(MICROKUBE), "--config", str(work / "config.json"), "up"],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    cluster = UpCluster(process, data_dir, log)
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
