"""The multi-node cluster (``multinode.py`` beside this file), one per proxy backend, shared
by the tests of a module. A backend whose plugin is not installed is skipped, saying which."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from multinode import MultiNodeCluster

from microkube.plugins import load_plugins
from microkube.testing.containerd import containerd_available

BACKENDS = ("nftables", "iptables", "userspace")
#: What a networked node needs, by register hook: (name, distribution to install).
NEEDED = (
    ("microkube_components", "kube-proxy", "microkube-kube-proxy"),
    ("microkube_cni_plugins", "bridge", "microkube-cni-bridge"),
    ("microkube_components", "dns", "microkube-dns"),
)


def missing_parts(backend: str) -> list[str]:
    registry = load_plugins(["microkube.components", "microkube.cni", "microkube.proxy"])
    needed = (*NEEDED, ("microkube_service_proxies", backend, f"microkube-proxy-{backend}"))
    return [
        f"{name} ({dist}) is not installed"
        for hook, name, dist in needed
        if name not in registry.registrations(hook)
    ]


def networked_or_skip(backend: str) -> list[str]:
    """What is missing for Services (tests needing kube-proxy skip with it); skip the whole
    cluster when pods cannot have their own network or the backend is not installed."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    missing = missing_parts(backend)
    fatal = [line for line in missing if "kube-proxy" not in line]
    if fatal:
        pytest.skip("; ".join(fatal))
    return missing


#: (proxy backend, runtime): every backend with the process runtime, containerd with the
#: default backend (the backends' rules do not depend on the runtime; the pods' wiring does).
CLUSTERS = (*((backend, "process") for backend in BACKENDS), ("nftables", "containerd"))


@pytest.fixture(scope="module", params=CLUSTERS, ids=["-".join(c) for c in CLUSTERS])
def network_cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MultiNodeCluster]:
    backend, runtime = request.param
    missing = networked_or_skip(backend)
    if runtime == "containerd":
        unavailable = containerd_available()
        if unavailable is not None:
            pytest.skip(f"no containerd here: {unavailable}")
    cluster = MultiNodeCluster(
        tmp_path_factory.mktemp(f"net-{backend}-{runtime}"), proxy=backend, runtime=runtime
    )
    cluster.missing = missing
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
