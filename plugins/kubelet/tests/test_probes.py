"""Liveness, readiness and startup probes of each kind through the kubelet (real API server,
fake runtime; HTTP and TCP probes reach servers this test runs on loopback)."""

from __future__ import annotations

import asyncio

import attrs
import pytest

from microkube.contracts.runtime import ExecResult, PodSandboxStatus
from microkube.testing.fakes.runtime import FakeRuntime


class NoIpRuntime(FakeRuntime):
    """Sandboxes without an IP (as a process-runtime pod with only loopback): network probes
    must then go through ``port_forward``."""

    async def pod_sandbox_status(self, sandbox_id: str) -> PodSandboxStatus:
        return attrs.evolve(await super().pod_sandbox_status(sandbox_id), ip="")

    async def list_pod_sandboxes(self) -> list[PodSandboxStatus]:
        return [attrs.evolve(s, ip="") for s in await super().list_pod_sandboxes()]


class Health:
    """A loopback HTTP server answering ``code`` on every path."""

    def __init__(self) -> None:
        self.code = 200
        self.hits = 0
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> Health:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        assert request.startswith(b"GET /healthz HTTP/1.1\r\n")
        assert b"User-Agent: kube-probe/1.32" in request
        self.hits += 1
        writer.write(f"HTTP/1.1 {self.code} X\r\nContent-Length: 2\r\n\r\nok".encode())
        await writer.drain()
        writer.close()


def _conditions(pod):  # type: ignore[no-untyped-def]
    return {c["type"]: c for c in (pod.get("status") or {}).get("conditions") or []}


def _ready_is(api, name, value):  # type: ignore[no-untyped-def]
    async def check():  # type: ignore[no-untyped-def]
        pod = await api.get("pods", name, "default")
        return pod if _conditions(pod).get("Ready", {}).get("status") == value else None

    return check


async def _events(api, name):  # type: ignore[no-untyped-def]
    items = (await api.list("events", "default", field_selector=f"involvedObject.name={name}"))[
        "items"
    ]
    return [(e["reason"], e["message"]) for e in items]


@pytest.fixture
def fake_runtime_instance(request: pytest.FixtureRequest) -> FakeRuntime:
    """Host-network sandboxes get 127.0.0.1, where the test's servers listen; with the
    parameter ``no-pod-ip`` no sandbox has an IP."""
    kind = NoIpRuntime if getattr(request, "param", "") == "no-pod-ip" else FakeRuntime
    return kind(images=("busybox:latest",), node_ip="127.0.0.1")


async def test_http_readiness_probe_drives_ready(kubelet_cluster, pod_manifest, poll):
    cluster = await kubelet_cluster()
    api = cluster.client()
    async with Health() as health:
        probe = {
            "httpGet": {"path": "/healthz", "port": health.port},
            "periodSeconds": 1,
            "failureThreshold": 1,
        }
        container = {"name": "web", "image": "busybox", "readinessProbe": probe}
        await api.create("pods", pod_manifest("ready", container, hostNetwork=True))
        pod = await poll(_ready_is(api, "ready", "True"), what="Ready")
        assert pod["status"]["containerStatuses"][0]["ready"] is True
        health.code = 503
        pod = await poll(_ready_is(api, "ready", "False"), what="not Ready")
        assert (
            _conditions(pod)["ContainersReady"]["message"]
            == "containers with unready status: [web]"
        )
        assert pod["status"]["phase"] == "Running"
        events = await _events(api, "ready")
        assert (
            "Unhealthy",
            "Readiness probe failed: HTTP probe failed with statuscode: 503",
        ) in events


@pytest.mark.parametrize("fake_runtime_instance", ["no-pod-ip"], indirect=True)
async def test_tcp_probe_goes_through_port_forward_without_pod_ip(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    async with Health() as health:
        probe = {"tcpSocket": {"port": "probe"}, "periodSeconds": 1, "failureThreshold": 1}
        container = {
            "name": "db",
            "image": "busybox",
            "ports": [{"name": "probe", "containerPort": health.port}],
            "readinessProbe": probe,
        }
        await api.create("pods", pod_manifest("tcp", container))
        pod = await poll(_ready_is(api, "tcp", "True"), what="Ready through port-forward")
        assert not pod["status"].get("podIP")
        assert fake_runtime_instance.calls_to("port_forward")
    pod = await poll(_ready_is(api, "tcp", "False"), what="not Ready once nothing listens")
    events = await _events(api, "tcp")
    assert any(
        reason == "Unhealthy" and message.startswith("Readiness probe failed: dial tcp")
        for reason, message in events
    ), events


async def test_exec_liveness_failure_restarts_the_container(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    fake_runtime_instance.script_exec(["check"], ExecResult(exit_code=1, stdout=b"sick"))
    probe = {"exec": {"command": ["check"]}, "periodSeconds": 1, "failureThreshold": 2}
    await api.create(
        "pods", pod_manifest("live", {"name": "c", "image": "busybox", "livenessProbe": probe})
    )

    async def restarted():  # type: ignore[no-untyped-def]
        pod = await api.get("pods", "live", "default")
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        return pod if statuses and statuses[0]["restartCount"] >= 1 else None

    pod = await poll(restarted, what="a liveness restart")
    last = pod["status"]["containerStatuses"][0]["lastState"]["terminated"]
    assert last["exitCode"] == 143
    events = await _events(api, "live")
    assert ("Unhealthy", "Liveness probe failed: sick") in events
    assert ("Killing", "Container c failed liveness probe, will be restarted") in events


async def test_startup_probe_gates_started_and_ready(
    kubelet_cluster, pod_manifest, poll, fake_runtime_instance
):
    cluster = await kubelet_cluster()
    api = cluster.client()
    fake_runtime_instance.script_exec(["started"], ExecResult(exit_code=1))
    probe = {"exec": {"command": ["started"]}, "periodSeconds": 1, "failureThreshold": 30}
    await api.create(
        "pods", pod_manifest("slow", {"name": "c", "image": "busybox", "startupProbe": probe})
    )

    async def running_not_started():  # type: ignore[no-untyped-def]
        pod = await api.get("pods", "slow", "default")
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        return pod if statuses and "running" in statuses[0]["state"] else None

    pod = await poll(running_not_started, what="running")
    assert pod["status"]["containerStatuses"][0]["started"] is False
    assert pod["status"]["containerStatuses"][0]["ready"] is False
    fake_runtime_instance.script_exec(["started"], ExecResult(exit_code=0))
    pod = await poll(_ready_is(api, "slow", "True"), what="started and Ready")
    assert pod["status"]["containerStatuses"][0]["started"] is True


class GrpcHealth:
    """A grpc.health.v1 server on loopback whose answer the test sets (raw messages)."""

    def __init__(self) -> None:
        self.status = 1  # SERVING
        self.server = None
        self.port = 0

    async def __aenter__(self) -> GrpcHealth:
        import grpc

        async def check(request: bytes, context) -> bytes:  # type: ignore[no-untyped-def]
            return b"\x08" + bytes([self.status])

        handler = grpc.method_handlers_generic_handler(
            "grpc.health.v1.Health", {"Check": grpc.unary_unary_rpc_method_handler(check)}
        )
        self.server = grpc.aio.server()
        self.server.add_generic_rpc_handlers((handler,))
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        await self.server.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.server.stop(None)


@pytest.mark.parametrize("fake_runtime_instance", ["pod-ip", "no-pod-ip"], indirect=True)
async def test_grpc_readiness_probe(kubelet_cluster, pod_manifest, poll, fake_runtime_instance):
    cluster = await kubelet_cluster()
    api = cluster.client()
    async with GrpcHealth() as health:
        probe = {"grpc": {"port": health.port}, "periodSeconds": 1, "failureThreshold": 1}
        container = {"name": "rpc", "image": "busybox", "readinessProbe": probe}
        await api.create("pods", pod_manifest("rpc", container, hostNetwork=True))
        await poll(_ready_is(api, "rpc", "True"), what="Ready by gRPC health")
        health.status = 2  # NOT_SERVING
        await poll(_ready_is(api, "rpc", "False"), what="not Ready")
        events = await _events(api, "rpc")
        assert (
            "Unhealthy",
            'Readiness probe failed: service unhealthy (responded with "NOT_SERVING")',
        ) in events
