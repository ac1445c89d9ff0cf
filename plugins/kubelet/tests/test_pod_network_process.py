"""Pod networking for real: a kubelet with the process runtime and the ``bridge`` CNI plugin,
in a network namespace the test makes as its node host (with the API server and the
controller manager's nodeipam and endpointslice controllers beside it, on its loopback).

The whole cluster runs in a thread that entered the node's namespace, so everything it
starts (threads, CNI binaries, pod processes) is on the node; a second namespace joined to it
by a veth pair stands for a machine next to the node. Two pods get distinct addresses from
the node's pod CIDR and talk to each other; a hostPort answers on the node's address; the
Service's EndpointSlice carries the pod's IP; deleting the pods removes their namespaces,
addresses and hostPort rules.
"""

from __future__ import annotations

import asyncio
import ipaddress
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from microkube.client.errors import NotFoundError
from microkube.netns import enter_netns
from microkube.testing.cluster import LocalCluster

T = TypeVar("T")
NODE_IP, OUTSIDE_IP = "192.168.78.1", "192.168.78.2"
HOST_PORT = 18081

SERVER = (
    "import http.server, os\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        body = ('hello from ' + os.environ['POD']).encode()\n"
    "        self.send_response(200); self.send_header('Content-Length', str(len(body)))\n"
    "        self.end_headers(); self.wfile.write(body)\n"
    "    def log_message(self, *a): pass\n"
    "http.server.HTTPServer(('0.0.0.0', 8080), H).serve_forever()\n"
)
CLIENT = (
    "import os, time, urllib.request\n"
    "for _ in range(50):\n"
    "    try:\n"
    "        url = 'http://' + os.environ['WEB'] + ':8080/'\n"
    "        print(urllib.request.urlopen(url, timeout=2).read().decode(), flush=True); break\n"
    "    except OSError:\n"
    "        time.sleep(0.2)\n"
)


def _in(netns: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["nsenter", f"--net={netns}", "--", *argv], capture_output=True, text=True, check=True
    )


def run_in_netns(netns: str, main: Callable[[], Awaitable[T]], within: float = 120.0) -> T:
    """``asyncio.run(main())`` in a thread that entered ``netns`` first."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            enter_netns(netns)
            outcome["value"] = asyncio.run(main())
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="node-netns")
    thread.start()
    thread.join(within)
    if thread.is_alive():
        raise AssertionError(f"the scenario in {netns} did not end within {within} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(node, outside): two namespaces joined by a veth pair, pinned under ``tmp_path``."""
    made = []
    for name in ("node", "outside"):
        path = tmp_path / f"ns-{name}"
        path.touch()
        subprocess.run(["unshare", f"--net={path}", "true"], check=True)
        made.append(str(path))
    node, outside = made
    try:
        _in(node, "ip", "link", "set", "lo", "up")
        _in(node, "ip", "link", "add", "mknode0", "type", "veth", "peer", "name", "mkout0")
        _in(node, "ip", "link", "set", "mkout0", "netns", outside)
        _in(node, "ip", "addr", "add", f"{NODE_IP}/24", "dev", "mknode0")
        _in(node, "ip", "link", "set", "mknode0", "up")
        _in(outside, "ip", "addr", "add", f"{OUTSIDE_IP}/24", "dev", "mkout0")
        _in(outside, "ip", "link", "set", "mkout0", "up")
        yield node, outside
    finally:
        for path in made:
            subprocess.run(["umount", path], check=False, capture_output=True)
            Path(path).unlink(missing_ok=True)


async def _poll(check: Callable[[], Awaitable[T]], what: str, within: float = 30.0) -> T:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        await asyncio.sleep(0.1)


def _pod(name: str, script: str, env: dict[str, str], **extra: Any) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": name,
        "image": "python:3",
        "command": [sys.executable, "-c", script],
        "env": [
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            *({"name": k, "value": v} for k, v in env.items()),
        ],
        **extra,
    }
    return {
        "metadata": {"name": name, "namespace": "default", "labels": {"app": name}},
        "spec": {
            "nodeName": "node-1",
            "containers": [container],
            "restartPolicy": "Never" if name == "client" else "Always",
            "terminationGracePeriodSeconds": 2,
        },
    }


async def _fetch_from(outside: str, url: str) -> str:
    code = (
        "import sys, urllib.request\n"
        "print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())"
    )
    process = await asyncio.create_subprocess_exec(
        "nsenter", f"--net={outside}", "--", sys.executable, "-c", code, url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    stdout, _ = await process.communicate()
    return stdout.decode().strip()


def test_pods_get_addresses_reach_each_other_and_a_host_port(
    tmp_path: Path, hosts: tuple[str, str]
) -> None:
    node, outside = hosts
    netns_dir = tmp_path / "netns"
    options = {
        "kubelet": {
            "node-name": "node-1",
            "port": 0,
            "runtime": "process",
            "cni": "bridge",
            "netns-dir": str(netns_dir),
            "node-ip": NODE_IP,
            "pleg-relist-period": 0.2,
        },
        "process": {"stop-pods-on-close": True, "netns-dir": str(netns_dir)},
        "bridge": {"bridge": "mkcni1"},
        "controller-manager": {
            "leader-elect": False,
            "controllers": "nodeipam,endpointslice",
            "controller-options": {"cluster-cidr": "10.244.0.0/16"},
        },
    }

    async def scenario() -> None:
        components = ("apiserver", "controller-manager", "kubelet")
        async with LocalCluster(tmp_path / "cluster", components, options=options) as cluster:
            api = cluster.client()

            async def pod_cidr() -> str | None:
                try:
                    node_object = await api.get("nodes", "node-1")
                except NotFoundError:
                    return None  # not registered yet
                return (node_object.get("spec") or {}).get("podCIDR")

            cidr = ipaddress.ip_network(await _poll(pod_cidr, "the Node's podCIDR"))
            probe = {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1}
            ports = [{"containerPort": 8080, "hostPort": HOST_PORT}]
            await api.create("pods", _pod("web", SERVER, {}, readinessProbe=probe, ports=ports))
            service = {
                "metadata": {"name": "web", "namespace": "default"},
                "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
            }
            await api.create("services", service)

            async def ready_web() -> dict[str, Any] | None:
                pod = await api.get("pods", "web", "default")
                conditions = {c["type"]: c["status"] for c in pod["status"].get("conditions", [])}
                return pod if conditions.get("Ready") == "True" else None

            web = await _poll(ready_web, "web Ready (its HTTP probe through the pod IP)")
            web_ip = web["status"]["podIP"]
            assert ipaddress.ip_address(web_ip) in cidr
            assert web["status"]["podIPs"] == [{"ip": web_ip}]
            assert web["status"]["hostIP"] == NODE_IP

            await api.create("pods", _pod("client", CLIENT, {"WEB": web_ip}))

            async def client_done() -> dict[str, Any] | None:
                pod = await api.get("pods", "client", "default")
                return pod if pod["status"].get("phase") in ("Succeeded", "Failed") else None

            client = await _poll(client_done, "the client pod finished")
            client_ip = client["status"]["podIP"]
            assert ipaddress.ip_address(client_ip) in cidr and client_ip != web_ip
            log = (
                cluster.data_dir / "kubelet" / "pods" / client["metadata"]["uid"] / "client"
            ) / "0.log"
            assert "hello from web" in await asyncio.to_thread(log.read_text)

            async def slice_ips() -> list[str]:
                slices = await api.list(
                    "endpointslices",
                    "default",
                    label_selector="kubernetes.io/service-name=web",
                )
                return [
                    address
                    for item in slices["items"]
                    for endpoint in item.get("endpoints") or []
                    if (endpoint.get("conditions") or {}).get("ready")
                    for address in endpoint["addresses"]
                ]

            assert await _poll(slice_ips, "the EndpointSlice of web") == [web_ip]

            url = f"http://{NODE_IP}:{HOST_PORT}/"
            assert await _poll(lambda: _fetch_from(outside, url), "the hostPort") == (
                "hello from web"
            )

            # The finished client's network went with its sandbox; deleting web removes its
            # namespace, address and hostPort rules.
            await api.delete("pods", "web", "default")

            async def web_gone() -> bool:
                pods = [p["metadata"]["name"] for p in (await api.list("pods", "default"))["items"]]
                return pods == ["client"] and not list(netns_dir.glob("mk-*"))

            await _poll(web_gone, "web and every pod namespace gone")
            assert not _addresses(cluster.data_dir)
            nat = await asyncio.to_thread(
                subprocess.run, ["iptables-save", "-t", "nat"], capture_output=True, text=True
            )
            assert str(HOST_PORT) not in nat.stdout
            # A pod still running when the kubelet stops with its pods
            # (stop-pods-on-close) has its network torn down too.
            await api.create("pods", _pod("idle", "import time; time.sleep(600)", {}))

            async def idle_ip() -> str | None:
                return (await api.get("pods", "idle", "default"))["status"].get("podIP")

            await _poll(idle_ip, "idle's address")
            data_dir = cluster.data_dir
        assert not list(netns_dir.glob("mk-*"))
        assert not _addresses(data_dir)

    try:
        run_in_netns(node, scenario)
    finally:
        for left in netns_dir.glob("mk-*"):  # only after a failure
            subprocess.run(["umount", str(left)], check=False, capture_output=True)


def _addresses(data_dir: Path) -> list[str]:
    """Addresses host-local has handed out on node-1."""
    allocations = data_dir / "cni" / "node-1" / "networks" / "microkube"
    return [p.name for p in allocations.iterdir() if p.name[0].isdigit()]
