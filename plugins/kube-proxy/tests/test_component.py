"""kube-proxy end to end: the real API server and kube-proxy (nftables backend) in this
process, programming a test-made network namespace where real HTTP servers are the
endpoints and real connections go through the Service's ClusterIP and NodePort."""

from __future__ import annotations

import asyncio
import http.client
import subprocess
import sys
import time

import pytest

from microkube.testing.cluster import LocalCluster
from microkube.testing.netns import NetNamespace

NODE_IP = "192.168.60.10"
PODS = {"10.244.60.5": "a", "10.244.60.6": "b"}


@pytest.fixture(scope="module")
def netns(tmp_path_factory):
    with NetNamespace() as ns:
        for ip in (*PODS, NODE_IP):
            ns.run("ip", "addr", "add", f"{ip}/32", "dev", "lo")
        ns.run("ip", "route", "add", "10.96.0.0/12", "dev", "lo")
        servers = []
        try:
            for ip, who in PODS.items():
                root = tmp_path_factory.mktemp(who)
                (root / "who").write_text(who)
                servers.append(
                    ns.popen(
                        sys.executable, "-m", "http.server", "--bind", ip, "8080",
                        "--directory", str(root),
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    )
                )  # fmt: skip
            yield ns
        finally:
            for server in servers:
                server.kill()
                server.wait()


def get(address: str, port: int) -> str | None:
    """GET /who through the namespace: the answering pod, or None (refused, timed out)."""
    connection = http.client.HTTPConnection(address, port, timeout=0.2)
    try:
        connection.request("GET", "/who")
        return connection.getresponse().read().decode()
    except OSError:
        return None
    finally:
        connection.close()


async def answers(ns: NetNamespace, address: str, port: int, want: set, within=5.0) -> set:
    """Who answers ``address:port``: 16 requests in a row, polled until they give ``want``
    (a round stops at its first answer outside ``want``), bounded."""
    deadline = time.monotonic() + within
    while True:
        seen = set()
        for _ in range(16):
            seen.add(await asyncio.to_thread(ns.call, get, address, port))
            if not seen <= want:
                break
        if seen == want or time.monotonic() > deadline:
            return seen
        await asyncio.sleep(0.02)


def endpoint_slice(*ips):
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "web-1", "labels": {"kubernetes.io/service-name": "web"}},
        "addressType": "IPv4",
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
        "endpoints": [
            {"addresses": [ip], "nodeName": "node-a", "conditions": {"ready": True}} for ip in ips
        ],
    }


async def test_service_reaches_pods_in_the_namespace(netns, tmp_path):
    options = {
        "kube-proxy": {
            "node-name": "node-a",
            "node-ips": [NODE_IP],
            "proxy-backend": "nftables",
            "min-sync-period": 0.02,
        },
        "nftables": {"netns": netns.path},
    }
    async with LocalCluster(tmp_path, ["apiserver", "kube-proxy"], options=options) as cluster:
        api = cluster.client()
        service = await api.create(
            "services",
            {
                "metadata": {"name": "web"},
                "spec": {
                    "type": "NodePort",
                    "ports": [{"name": "http", "port": 80, "targetPort": 8080}],
                },
            },
            "default",
        )
        cluster_ip = service["spec"]["clusterIP"]
        node_port = service["spec"]["ports"][0]["nodePort"]
        # A Service without endpoints rejects at once (ICMP), it does not hang.
        assert await answers(netns, cluster_ip, 80, {None}) == {None}

        await api.create("endpointslices", endpoint_slice("10.244.60.5"), "default")
        assert await answers(netns, cluster_ip, 80, {"a"}) == {"a"}

        current = await api.get("endpointslices", "web-1", "default")
        current["endpoints"] = endpoint_slice(*PODS)["endpoints"]
        await api.replace("endpointslices", current, "default")
        assert await answers(netns, cluster_ip, 80, {"a", "b"}) == {"a", "b"}
        assert await answers(netns, NODE_IP, node_port, {"a", "b"}) == {"a", "b"}

        await api.delete("endpointslices", "web-1", "default")
        assert await answers(netns, cluster_ip, 80, {None}) == {None}
    # Stopping kube-proxy removed its table, and only its table.
    assert "microkube" not in netns.run("nft", "list", "tables").stdout
