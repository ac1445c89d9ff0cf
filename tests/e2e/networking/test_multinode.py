"""Issue 9's "Done when" on a 3-node cluster of network namespaces, per proxy backend.

The cluster (``conftest.py``) runs the process runtime with the CNI bridge plugin on every
node; the workloads are made once per cluster by the ``workloads`` fixture.
"""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator

import pytest
from multinode import MultiNodeCluster
from workloads import (
    FETCH,
    client_container,
    deployment,
    manifest,
    pod,
    service,
    web_container,
)

REPLICAS = 3
HOST_PORT = 18080


class Workloads:
    def __init__(self, cluster: MultiNodeCluster) -> None:
        self.cluster = cluster

    def pods(self, selector: str) -> list[dict]:
        return self.cluster.json("get", "pods", "-l", selector)["items"]

    def ready_web(self) -> set[str]:
        return {
            p["metadata"]["name"]
            for p in self.pods("app=web")
            if not p["metadata"].get("deletionTimestamp")
            and any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in p["status"].get("conditions", [])
            )
        }

    def fetch(self, url: str, count: int, pause: float = 0.0, seconds: float = 60) -> list[str]:
        """``count`` GETs of ``url`` from the client pod (on node-a): each answer's body."""
        out = self.cluster.must(
            "exec",
            "client",
            "--",
            "python3",
            "-c",
            FETCH,
            url,
            str(count),
            str(pause),
            seconds=seconds,
        )
        return [line.split(" ", 1)[1] for line in out.splitlines() if " " in line]

    def fetch_timed(self, url: str, count: int, pause: float) -> subprocess.Popen[str]:
        """The fetch loop in the background; its lines are ``<time> <answer>``."""
        return subprocess.Popen(
            [
                "nsenter",
                f"--net={self.cluster.cp.ns.path}",
                "kubectl",
                "exec",
                "client",
                "--",
                "python3",
                "-c",
                FETCH,
                url,
                str(count),
                str(pause),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={
                "KUBECONFIG": str(self.cluster.kubeconfig),
                "PATH": "/usr/bin:/bin",
                "HOME": str(self.cluster.kubeconfig.parent),  # kubectl's cache, not the cwd
            },
        )

    def cluster_ip(self, name: str) -> str:
        return self.cluster.json("get", "service", name)["spec"]["clusterIP"]


@pytest.fixture(scope="module")
def workloads(network_cluster: MultiNodeCluster) -> Iterator[Workloads]:
    cluster = network_cluster
    a, b, c = (node.name for node in cluster.nodes)
    cluster.must(
        "apply",
        "-f",
        "-",
        input=manifest(
            deployment("web", REPLICAS),
            service("web", "web"),
            service("web-sticky", "web", sessionAffinity="ClientIP"),
            service("web-nodeport", "web", type="NodePort"),
            service("web-headless", "web", clusterIP="None"),
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "alias"},
                "spec": {"type": "ExternalName", "externalName": "web.default.svc.cluster.local"},
            },
            pod("client", a, client_container()),
            pod("far", c, web_container()),
            pod("hostport", b, web_container(port=8081, host_port=HOST_PORT)),
        ),
    )
    work = Workloads(cluster)
    cluster.eventually(
        "every workload pod Ready",
        lambda: (
            len(work.ready_web()) == REPLICAS
            and cluster.kubectl(
                "wait",
                "--for=condition=Ready",
                "pod/client",
                "pod/far",
                "pod/hostport",
                "--timeout=1s",
            ).ok
        ),
        seconds=60,
    )
    yield work


def test_a_pod_reaches_a_pod_on_another_node_by_ip(workloads: Workloads) -> None:
    far = workloads.cluster.json("get", "pod", "far")
    client = workloads.cluster.json("get", "pod", "client")
    assert far["spec"]["nodeName"] != client["spec"]["nodeName"]
    ip = far["status"]["podIP"]
    assert ip.startswith("10.244.")
    assert workloads.fetch(f"http://{ip}:8080/", 1) == ["far"]
    # without NAT: the server sees the client's pod IP
    assert client["status"]["podIP"] != client["status"]["hostIP"]


def needs_kube_proxy(cluster: MultiNodeCluster) -> None:
    missing = [p for p in cluster.missing if "kube-proxy" in p or "proxy-" in p]
    if missing:
        pytest.skip("; ".join(missing))


def test_a_cluster_ip_spreads_requests_over_every_ready_replica(workloads: Workloads) -> None:
    needs_kube_proxy(workloads.cluster)
    answers = workloads.fetch(f"http://{workloads.cluster_ip('web')}/", 30)
    assert set(answers) == workloads.ready_web(), Counter(answers)


def test_a_service_is_reached_by_its_dns_name(workloads: Workloads) -> None:
    needs_kube_proxy(workloads.cluster)
    short = workloads.fetch("http://web/", 20)  # through the search path
    assert set(short) == workloads.ready_web(), Counter(short)
    assert set(workloads.fetch("http://web.default.svc.cluster.local/", 3)) <= set(short)


def test_a_headless_service_resolves_to_every_ready_pod(workloads: Workloads) -> None:
    needs_kube_proxy(workloads.cluster)  # the client reaches the DNS through its ClusterIP
    cluster = workloads.cluster
    ready = workloads.ready_web()
    ips = {
        p["status"]["podIP"] for p in workloads.pods("app=web") if p["metadata"]["name"] in ready
    }
    resolve = (
        "import socket; print(*sorted({a[4][0] for a in socket.getaddrinfo('web-headless', 80)}))"
    )
    out = cluster.must("exec", "client", "--", "python3", "-c", resolve)
    assert set(out.split()) == ips


def test_an_external_name_resolves(workloads: Workloads) -> None:
    needs_kube_proxy(workloads.cluster)
    assert set(workloads.fetch("http://alias/", 5)) <= workloads.ready_web()


def test_client_ip_affinity_sticks(workloads: Workloads) -> None:
    needs_kube_proxy(workloads.cluster)
    answers = workloads.fetch(f"http://{workloads.cluster_ip('web-sticky')}/", 15)
    assert len(set(answers)) == 1 and answers[0] in workloads.ready_web(), Counter(answers)


def test_a_node_port_answers_on_every_node(workloads: Workloads) -> None:
    needs_kube_proxy(workloads.cluster)
    cluster = workloads.cluster
    node_port = cluster.json("get", "service", "web-nodeport")["spec"]["ports"][0]["nodePort"]

    def get(url: str) -> str:
        with urllib.request.urlopen(url, timeout=3) as answer:
            return answer.read().decode()

    for node in cluster.nodes:  # from the control plane's host, off every node
        assert cluster.cp.ns.call(get, f"http://{node.ip}:{node_port}/") in workloads.ready_web()


def test_a_host_port_answers_on_its_node(workloads: Workloads) -> None:
    cluster = workloads.cluster
    node = next(
        n
        for n in cluster.nodes
        if n.name == cluster.json("get", "pod", "hostport")["spec"]["nodeName"]
    )

    def get() -> str:
        with urllib.request.urlopen(f"http://{node.ip}:{HOST_PORT}/", timeout=3) as answer:
            return answer.read().decode()

    assert cluster.cp.ns.call(get) == "hostport"


def _times(process: subprocess.Popen[str]) -> list[tuple[float, str]]:
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return [(float(t), body) for t, body in (line.split(" ", 1) for line in out.splitlines())]


def test_scaling_and_deleting_replicas_change_the_set_within_a_second(
    workloads: Workloads,
) -> None:
    needs_kube_proxy(workloads.cluster)
    cluster = workloads.cluster
    url = f"http://{workloads.cluster_ip('web')}/"
    before = workloads.ready_web()
    victim = sorted(before)[0]

    # deleting: requests started 1 s after the delete neither reach the pod nor fail (those
    # in flight as it stops may fail: its server does not drain, as with no preStop hook)
    loop = workloads.fetch_timed(url, 120, 0.02)
    time.sleep(1.0)
    deleted_at = time.time()
    cluster.must("delete", "pod", victim, "--wait=false")
    seen = _times(loop)
    assert any(t < deleted_at and body == victim for t, body in seen), "victim never answered"
    late = [t - deleted_at for t, body in seen if body == victim and t > deleted_at + 1.0]
    assert not late, f"{victim} still answered a request started {max(late):.2f} s after"
    assert "-" not in {body for t, body in seen if t > deleted_at + 1.0}

    # scaling up: a new replica is answered within 1 s of its endpoint becoming ready
    cluster.eventually("the replacement Ready", lambda: len(workloads.ready_web()) == REPLICAS)
    loop = workloads.fetch_timed(url, 150, 0.02)
    time.sleep(0.5)
    known = _ready_endpoints(cluster)
    cluster.must("scale", "deployment", "web", f"--replicas={REPLICAS + 1}")
    # polled every 0.1 s through kubectl: ready_at is a little after the endpoint became ready
    newcomer = cluster.eventually(
        "a fourth ready endpoint", lambda: next(iter(_ready_endpoints(cluster) - known), None)
    )
    ready_at = time.time()
    seen = _times(loop)
    first = min((t for t, body in seen if body == newcomer), default=None)
    assert first is not None, f"{newcomer} never answered: {Counter(b for _, b in seen)}"
    assert first - ready_at <= 1.0, f"{newcomer} first answered {first - ready_at:.2f} s late"
    cluster.must("scale", "deployment", "web", f"--replicas={REPLICAS}")
    cluster.eventually("back to 3 replicas", lambda: len(workloads.ready_web()) == REPLICAS)


def _ready_endpoints(cluster: MultiNodeCluster) -> set[str]:
    """The pods named by the ready endpoints of the ``web`` Service."""
    slices = cluster.json("get", "endpointslices", "-l", "kubernetes.io/service-name=web")
    return {
        (endpoint.get("targetRef") or {}).get("name", "")
        for item in slices["items"]
        for endpoint in item.get("endpoints") or ()
        if (endpoint.get("conditions") or {}).get("ready")
    }
