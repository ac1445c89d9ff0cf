"""``microkube up`` is a networked cluster: pods get their own IPs from the CNI bridge,
Services their virtual IPs from kube-proxy and names from the cluster DNS, all inside the
network namespace the ``up_cluster`` fixture makes for it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import UpCluster

sys.path.insert(0, str(Path(__file__).parent / "networking"))

from workloads import FETCH, client_container, deployment, manifest, pod, service

# The process runtime only: containerd wires pods' networks itself, in the namespace the
# fixture's containerd runs in (not up's), so kube-proxy and the DNS cannot reach them there.
# Services over containerd pods are tested on the multi-node cluster (networking/).
pytestmark = pytest.mark.parametrize("up_cluster", ["process"], indirect=True)


@pytest.fixture(scope="module")
def web(up_cluster: UpCluster) -> UpCluster:
    up_cluster.kubectl(
        "apply",
        "-f",
        "-",
        input=manifest(
            deployment("web", 2),
            service("web", "web"),
            pod("client", "", client_container()),
        ),
    )
    up_cluster.kubectl("rollout", "status", "deployment/web", "--timeout=60s", seconds=70)
    up_cluster.kubectl("wait", "--for=condition=Ready", "pod/client", "--timeout=60s")
    return up_cluster


def test_up_runs_every_networking_part(up_cluster: UpCluster) -> None:
    log = up_cluster.log.read_text()
    assert "is not installed" not in log, log
    dns = up_cluster.json("get", "service", "kube-dns", "-n", "kube-system")
    assert dns["spec"]["clusterIP"] == "10.96.0.10"


def test_pods_have_their_own_ip_and_the_cluster_resolver(web: UpCluster) -> None:
    client = web.json("get", "pod", "client")
    assert client["status"]["podIP"].startswith("10.244.")
    resolv = web.kubectl("exec", "client", "--", "cat", "/etc/resolv.conf").stdout
    assert "nameserver 10.96.0.10" in resolv
    assert "search default.svc.cluster.local svc.cluster.local cluster.local" in resolv


def test_a_pod_reaches_a_service_by_name_on_every_replica(web: UpCluster) -> None:
    replicas = {p["metadata"]["name"] for p in web.json("get", "pods", "-l", "app=web")["items"]}
    out = web.kubectl("exec", "client", "--", "python3", "-c", FETCH, "http://web/", "12").stdout
    answers = {line.split(" ", 1)[1] for line in out.splitlines()}
    assert answers == replicas
