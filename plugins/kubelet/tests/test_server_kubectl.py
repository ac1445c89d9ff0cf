"""The real kubectl end to end: logs, exec (WebSocket and the SPDY fallback) and
port-forward (SPDY in WebSocket, and raw SPDY) against the kubelet server.

Until the API server proxies ``pods/log|exec|attach|portforward`` to kubelets, a small
splicing proxy in this test stands in for that part of it: it rewrites those requests to the
kubelet's paths (as kube-apiserver's LogLocation/ExecLocation/PortForwardLocation do) and then
copies bytes both ways; every other request goes to the real API server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from microkube_kubelet.server import KubeletServer
from microkube_kubelet.server.testing import StaticPodDirectory, insecure_client_context, run_pod

from microkube.testing.cluster import KUBECTL
from microkube.testing.fakes.runtime import FakeRuntime

pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL), reason="kubectl is not installed")

_STREAMING = re.compile(r"^/api/v1/namespaces/([^/]+)/pods/([^/]+)/(log|exec|attach|portforward)$")


def kubelet_target(target: str) -> str | None:
    """The kubelet path for a streaming subresource request, or None for others."""
    parts = urlsplit(target)
    match = _STREAMING.match(parts.path)
    if match is None:
        return None
    namespace, pod, subresource = match.groups()
    query = parse_qsl(parts.query, keep_blank_values=True)
    container = next((v for k, v in query if k == "container"), "")
    rest = urlencode([(k, v) for k, v in query if k != "container"])
    path = {
        "log": f"/containerLogs/{namespace}/{pod}/{container}",
        "exec": f"/exec/{namespace}/{pod}/{container}",
        "attach": f"/attach/{namespace}/{pod}/{container}",
        "portforward": f"/portForward/{namespace}/{pod}",
    }[subresource]
    return path + (f"?{rest}" if rest else "")


class SplicingProxy:
    def __init__(self, apiserver: tuple[str, int], kubelet_port: int) -> None:
        self.apiserver = apiserver
        self.kubelet_port = kubelet_port
        self.streamed: list[str] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *headers = head.decode("latin-1").split("\r\n")
            method, target, version = request_line.split(" ", 2)
            rewritten = kubelet_target(target)
            if rewritten is not None:
                self.streamed.append(f"{method} {rewritten}")
                up_reader, up_writer = await asyncio.open_connection(
                    "127.0.0.1", self.kubelet_port, ssl=insecure_client_context()
                )
                target = rewritten
            else:
                up_reader, up_writer = await asyncio.open_connection(*self.apiserver)
                # One request per connection, so every request is looked at.
                headers = [h for h in headers if not h.lower().startswith("connection:")]
                headers.insert(0, "Connection: close")
            up_writer.write(
                (f"{method} {target} {version}\r\n" + "\r\n".join(headers)).encode("latin-1")
            )
            await asyncio.gather(_copy(reader, up_writer), _copy(up_reader, writer))
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self._tasks.discard(task)


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        writer.close()


class Echo:
    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data.upper())
                await writer.drain()
        writer.close()


@pytest.fixture
async def setup(microkube_cluster, tmp_path: Path):
    # Plain HTTP: the splicing proxy below reads every request the API server gets.
    cluster = await microkube_cluster("apiserver", tls=False)
    api = cluster.client()
    pod = {
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "nodeName": "node-a",
            "containers": [{"name": "main", "image": "busybox", "stdin": True}],
        },
    }
    created = await api.create("pods", pod, "default")
    created["status"] = {"phase": "Running"}
    await api.replace_status("pods", created, "default")

    runtime = FakeRuntime()
    directory = StaticPodDirectory()
    kubelet = KubeletServer(runtime, directory, node_name="node-a", port=0, cert_dir=tmp_path)
    await kubelet.start()
    ref = await run_pod(
        runtime, directory, tmp_path / "logs", uid=created["metadata"]["uid"], stdin=True
    )
    echo = Echo()
    runtime.forward_port(ref.sandbox_id, 8080, "127.0.0.1", await echo.start())
    server = json.loads(cluster.kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
    address = urlsplit(server)
    proxy = SplicingProxy((address.hostname, address.port), kubelet.port)
    proxy_port = await proxy.start()

    async def spawn(*args: str, env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            KUBECTL,
            f"--server=http://127.0.0.1:{proxy_port}",
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**cluster.kubectl_env(), **(env or {})},
        )

    async def kubectl(*args: str, stdin: str | None = None, env: dict[str, str] | None = None):
        command = [KUBECTL, f"--server=http://127.0.0.1:{proxy_port}", *args]
        full_env = {**cluster.kubectl_env(), **(env or {})}
        return await asyncio.to_thread(
            subprocess.run,
            command,
            input=stdin,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=60,
        )

    kubectl.spawn = spawn  # type: ignore[attr-defined]
    yield runtime, ref, kubectl, proxy, (proxy_port, cluster)
    await proxy.stop()
    echo.server.close()
    await kubelet.stop()
    await runtime.close()


async def test_kubectl_logs(setup) -> None:
    runtime, ref, kubectl, proxy, _ = setup
    runtime.write_log(ref.containers["main"].container_id, b"alpha\nbeta\n")
    result = await kubectl("logs", "web")
    assert (result.returncode, result.stdout) == (0, "alpha\nbeta\n"), result.stderr
    result = await kubectl("logs", "web", "--tail=1", "--timestamps")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z beta\n", result.stdout), result.stdout
    result = await kubectl("logs", "web", "--previous")
    # The kubelet answers 400 with upstream's text; turning it into a Status that kubectl
    # prints ("Error from server (BadRequest): previous terminated ...") is the API server's
    # part (kube-apiserver's response checker), which this pipe does not do.
    assert result.returncode != 0 and "BadRequest" in result.stderr
    assert "GET /containerLogs/default/web/main?tailLines=1&timestamps=true" in proxy.streamed


async def test_kubectl_logs_follow_ends_with_the_container(setup) -> None:
    runtime, ref, kubectl, _, _ = setup
    container_id = ref.containers["main"].container_id
    runtime.write_log(container_id, b"before\n")
    process = await kubectl.spawn("logs", "-f", "web")
    try:
        assert await asyncio.wait_for(process.stdout.readline(), 30) == b"before\n"
        runtime.write_log(container_id, b"after\n")
        assert await asyncio.wait_for(process.stdout.readline(), 30) == b"after\n"
        runtime.exit_container(container_id, 0)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_kubectl_attach(setup) -> None:
    runtime, ref, kubectl, proxy, _ = setup
    process = await kubectl.spawn("attach", "-i", "web")
    try:
        process.stdin.write(b"typed line\n")
        await process.stdin.drain()
        assert await asyncio.wait_for(process.stdout.readline(), 30) == b"typed line\n"
        runtime.exit_container(ref.containers["main"].container_id, 0)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert any(line.startswith("GET /attach/default/web/main?") for line in proxy.streamed)


@pytest.mark.parametrize("websockets", ["true", "false"])
async def test_kubectl_exec(setup, websockets: str) -> None:
    _, _, kubectl, proxy, _ = setup
    env = {"KUBECTL_REMOTE_COMMAND_WEBSOCKETS": websockets}
    result = await kubectl("exec", "web", "--", "sh", "-c", "echo hi; exit 3", env=env)
    assert result.stdout == "hi\n"
    assert result.returncode == 3, result.stderr
    assert "command terminated with exit code 3" in result.stderr
    result = await kubectl("exec", "-i", "web", "--", "cat", stdin="piped input", env=env)
    assert (result.returncode, result.stdout) == (0, "piped input"), result.stderr
    methods = {line.split()[0] for line in proxy.streamed}
    # WebSocket upgrades are GETs; kubectl's SPDY fallback POSTs.
    assert methods == ({"GET"} if websockets == "true" else {"POST"})


@pytest.mark.parametrize("websockets", ["true", "false"])
async def test_kubectl_port_forward(setup, websockets: str) -> None:
    _, _, _, proxy, (proxy_port, cluster) = setup
    process = await asyncio.create_subprocess_exec(
        KUBECTL,
        f"--server=http://127.0.0.1:{proxy_port}",
        "port-forward",
        "pod/web",
        ":8080",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**cluster.kubectl_env(), "KUBECTL_PORT_FORWARD_WEBSOCKETS": websockets},
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        match = re.match(r"Forwarding from 127\.0\.0\.1:(\d+) -> 8080", line)
        assert match, line
        for text in (b"first connection", b"second connection"):
            reader, writer = await asyncio.open_connection("127.0.0.1", int(match[1]))
            writer.write(text)
            await writer.drain()
            assert await asyncio.wait_for(reader.readexactly(len(text)), 30) == text.upper()
            writer.close()
    finally:
        process.terminate()
        await process.wait()
    methods = {line.split()[0] for line in proxy.streamed}
    assert methods == ({"GET"} if websockets == "true" else {"POST"})


async def test_python_client_exec_and_port_forward(setup) -> None:
    """The official Python client: WebSocket exec (v5/v4) and its channel port-forward."""
    kubernetes = pytest.importorskip("kubernetes")
    from kubernetes.stream import portforward, stream

    _, _, _, _, (proxy_port, _) = setup
    configuration = kubernetes.client.Configuration()
    configuration.host = f"http://127.0.0.1:{proxy_port}"

    def run() -> tuple[str, bytes]:
        with kubernetes.client.ApiClient(configuration) as client:
            core = kubernetes.client.CoreV1Api(client)
            output = stream(
                core.connect_get_namespaced_pod_exec,
                "web",
                "default",
                command=["echo", "from python"],
                container="main",  # the API server's defaulting is not in this test's pipe
                stderr=True,
                stdin=False,
                stdout=True,
                tty=False,
            )
            forward = portforward(
                core.connect_get_namespaced_pod_portforward, "web", "default", ports="8080"
            )
            sock = forward.socket(8080)
            sock.settimeout(30)
            sock.sendall(b"python bytes")
            received = b""
            while len(received) < len(b"python bytes"):
                chunk = sock.recv(1024)
                if not chunk:
                    break
                received += chunk
            sock.close()
            forward.close()
            return output, received

    output, received = await asyncio.to_thread(run)
    assert output == "from python\n"
    assert received == b"PYTHON BYTES"
