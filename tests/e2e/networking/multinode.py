"""A cluster of network namespaces standing for hosts: one control plane and N nodes on one
test-made bridge, each node joined with ``microkube agent``.

::

    switch ns:  bridge lan0 ── veth ── cp ns     eth0 10.123.0.1   apiserver controllers
                     │                                             scheduler dns
                     ├──── veth ── node-a ns eth0 10.123.0.11  kubelet + kube-proxy
                     ├──── veth ── node-b ns eth0 10.123.0.12  (microkube agent)
                     └──── veth ── node-c ns eth0 10.123.0.13

Every address is private to those namespaces; nothing is made in the test's own namespace and
nothing under ``/run/netns`` (the namespaces are held by processes). Once nodeipam has given
each Node its ``podCIDR``, every host gets one ``ip route add <podCIDR> via <node IP>`` per peer
node (no overlay). :meth:`MultiNodeCluster.stop` stops the agents, then the control plane, by
PID, and with the holders every namespace, link and route goes.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from microkube.testing.cluster import KUBECTL
from microkube.testing.containerd import Containerd, python_image_archive
from microkube.testing.netns import NetNamespace

__all__ = ["PYTHON_IMAGE", "MultiNodeCluster"]

MICROKUBE = str(Path(sys.executable).with_name("microkube"))
SUBNET = "10.123.0.0/24"
CP_IP = "10.123.0.1"
API_PORT = 6443
START_SECONDS = 90.0
STOP_SECONDS = 30.0
#: The image the workloads name; containerd nodes get it built from this machine's python3.
PYTHON_IMAGE = "docker.io/library/python:3-slim"


class Host:
    """A namespace standing for a machine, with its address on the bridge."""

    def __init__(self, name: str, ip: str) -> None:
        self.name = name
        self.ip = ip
        self.ns = NetNamespace()
        self.process: subprocess.Popen[bytes] | None = None
        #: the node's own containerd (runtime ``containerd``), in its namespace
        self.containerd: Containerd | None = None

    def sh(self, *argv: str) -> str:
        return self.ns.run(*argv).stdout


class MultiNodeCluster:
    def __init__(
        self,
        work: Path,
        *,
        proxy: str = "nftables",
        runtime: str = "process",
        nodes: int = 3,
        node_options: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.work = work
        self.proxy = proxy
        self.runtime = runtime
        self.switch = NetNamespace()
        self.cp = Host("cp", CP_IP)
        self.nodes = [Host(f"node-{chr(97 + i)}", f"10.123.0.{11 + i}") for i in range(nodes)]
        self.node_options = node_options or {}
        self.kubeconfig = work / "cp" / "kubeconfig"
        self.pod_cidrs: dict[str, str] = {}
        #: What is not installed (set by the fixture; tests needing it skip saying so).
        self.missing: list[str] = []

    @property
    def hosts(self) -> list[Host]:
        return [self.cp, *self.nodes]

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> MultiNodeCluster:
        try:
            self._wire()
            self._start_control_plane()
            self._join_nodes()
            self._route_pod_cidrs()
        except BaseException:
            self.stop()
            raise
        return self

    def _wire(self) -> None:
        self.switch.start()
        self.switch.run("ip", "link", "add", "lan0", "type", "bridge")
        self.switch.run("ip", "link", "set", "lan0", "up")
        prefix = ipaddress.ip_network(SUBNET).prefixlen
        for index, host in enumerate(self.hosts):
            host.ns.start()
            port = f"port{index}"
            self.switch.run(
                "ip",
                "link",
                "add",
                port,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                str(host.ns.pid),
            )
            self.switch.run("ip", "link", "set", port, "master", "lan0", "up")
            host.sh("ip", "addr", "add", f"{host.ip}/{prefix}", "dev", "eth0")
            host.sh("ip", "link", "set", "eth0", "up")
            host.sh("sysctl", "-qw", "net.ipv4.ip_forward=1")
            host.ns.run("sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1", check=False)
        for node in self.nodes:  # a route covering the Service CIDR (and anything else)
            node.sh("ip", "route", "add", "default", "via", CP_IP)

    def _write_config(self, name: str, config: dict[str, Any]) -> Path:
        path = self.work / f"{name}.json"
        path.write_text(json.dumps(config, indent=2))
        return path

    def _start_control_plane(self) -> None:
        self.tokens = {node.name: secrets.token_hex(16) for node in self.nodes}
        token_file = self.work / "tokens.csv"
        token_file.write_text(
            "".join(
                f'{token},system:node:{name},node-{name},"system:nodes"\n'
                for name, token in self.tokens.items()
            )
        )
        config = self._write_config(
            "cp",
            {
                "data-dir": str(self.work / "cp"),
                "components": ["apiserver", "controller-manager", "scheduler", "dns"],
                "options": {
                    "apiserver": {
                        "port": API_PORT,
                        "bind-address": "0.0.0.0",
                        "tls-san": [CP_IP],
                        "token-auth-file": str(token_file),
                    },
                    "dns": {"advertise-address": CP_IP},
                },
            },
        )
        self.cp.process = self._spawn(self.cp, "cp", "--config", str(config), "up")
        self._wait("the API server's kubeconfig", self.kubeconfig.exists)
        self.eventually("the API server", lambda: self.kubectl("get", "--raw", "/readyz").ok)
        self.eventually("the cluster DNS's EndpointSlice", self._dns_published)

    def _dns_published(self) -> bool:
        slices = self.json(
            "get",
            "endpointslices",
            "-n",
            "kube-system",
            "-l",
            "kubernetes.io/service-name=kube-dns",
        )
        return bool(slices["items"])

    def _join_nodes(self) -> None:
        server = json.loads(self.kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
        scheme = server.split("://", 1)[0]
        tls = ["--ca-file", str(self.work / "cp" / "pki" / "ca.crt")] if scheme == "https" else []
        if self.runtime == "containerd":
            self._start_containerds()
        for node in self.nodes:
            options = {
                "kubelet": {
                    "crashloop-backoff-initial": 1,
                    "node-status-update-frequency": 2,
                },
                "kube-proxy": {"proxy-backend": self.proxy},
                "process": {"stop-pods-on-close": True},
                **self._runtime_options(node),
                **self.node_options,
            }
            config = self._write_config(
                node.name,
                {
                    "data-dir": str(self.work / node.name),
                    "runtime": self.runtime,
                    "proxy": self.proxy,
                    "options": options,
                },
            )
            node.process = self._spawn(
                node,
                node.name,
                "--config",
                str(config),
                "agent",
                f"--server={scheme}://{CP_IP}:{API_PORT}",
                f"--token={self.tokens[node.name]}",
                f"--node-name={node.name}",
                f"--node-ip={node.ip}",
                *tls,
            )
        self.eventually("every node Ready", self._all_ready)

    def _start_containerds(self) -> None:
        """One containerd per node, in the node's namespace, holding the test images."""
        archive = python_image_archive(self.work / "python.tar", PYTHON_IMAGE)
        for node in self.nodes:
            # a short base: containerd's socket path must stay under 108 bytes
            node.containerd = Containerd(Path(tempfile.mkdtemp(prefix="mkn-")), netns=node.ns.path)

        def start(containerd: Containerd) -> None:
            containerd.start()
            containerd.import_images()
            containerd.import_archive(archive)

        with ThreadPoolExecutor(len(self.nodes)) as pool:  # each waits on its own daemon
            for future in [pool.submit(start, node.containerd) for node in self.nodes]:
                future.result()

    def _runtime_options(self, node: Host) -> dict[str, Any]:
        if node.containerd is None:
            return {}
        return {
            "containerd": {
                "address": node.containerd.address,
                "cgroup-parent": node.containerd.cgroup_prefix,
                "stop-pods-on-close": True,
            }
        }

    def _all_ready(self) -> bool:
        nodes = self.json("get", "nodes")["items"]
        ready = {
            n["metadata"]["name"]
            for n in nodes
            if any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in n.get("status", {}).get("conditions", [])
            )
        }
        return ready >= {node.name for node in self.nodes}

    def _route_pod_cidrs(self) -> None:
        def cidrs() -> dict[str, str]:
            found = {
                n["metadata"]["name"]: n["spec"].get("podCIDR")
                for n in self.json("get", "nodes")["items"]
            }
            return found if all(found.get(node.name) for node in self.nodes) else {}

        self.pod_cidrs = self.eventually("every node's podCIDR", cidrs, seconds=30)
        for host in self.hosts:
            for node in self.nodes:
                if node is not host:
                    host.sh("ip", "route", "add", self.pod_cidrs[node.name], "via", node.ip)

    def _spawn(self, host: Host, log: str, *argv: str) -> subprocess.Popen[bytes]:
        with (self.work / f"{log}.log").open("wb") as out:
            return host.ns.popen(MICROKUBE, *argv, stdout=out, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        for host in [*self.nodes, self.cp]:
            _terminate(host.process)
            host.process = None
        for node in self.nodes:
            if node.containerd is not None:
                node.containerd.close()
                shutil.rmtree(node.containerd.base, ignore_errors=True)
                node.containerd = None
        for host in self.hosts:
            host.ns.close()
        self.switch.close()

    def logs(self, name: str, tail: int = 3000) -> str:
        path = self.work / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    # -- using it -------------------------------------------------------------------------

    def kubectl(
        self, *args: str, input: str | None = None, seconds: float = 60.0
    ) -> subprocess.CompletedProcess[str]:
        """kubectl in the control plane's namespace (``.ok`` set on the result)."""
        result = subprocess.run(
            ["nsenter", f"--net={self.cp.ns.path}", KUBECTL, *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=seconds,
            env={**os.environ, "KUBECONFIG": str(self.kubeconfig)},
        )
        result.ok = result.returncode == 0  # type: ignore[attr-defined]
        return result

    def must(self, *args: str, input: str | None = None, seconds: float = 60.0) -> str:
        result = self.kubectl(*args, input=input, seconds=seconds)
        if result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.must(*args, "-o", "json"))

    def eventually(self, what: str, check: Callable[[], Any], seconds: float = START_SECONDS):  # type: ignore[no-untyped-def]
        """Poll ``check()`` every 0.1 s until truthy; fail naming ``what`` and the logs."""
        deadline = time.monotonic() + seconds
        last: Any = None
        while time.monotonic() < deadline:
            for host in self.hosts:
                if host.process is not None and host.process.poll() is not None:
                    raise AssertionError(
                        f"{host.name} exited ({host.process.returncode}) waiting for {what}:\n"
                        + self.logs(host.name)
                    )
            try:
                last = check()
            except (AssertionError, ValueError, KeyError) as exc:
                last = exc
            else:
                if last:
                    return last
            time.sleep(0.1)
        raise AssertionError(f"{what} not seen within {seconds:.0f} s (last: {last!r})")

    def _wait(self, what: str, check: Callable[[], Any]) -> None:
        self.eventually(what, check)


def _terminate(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
