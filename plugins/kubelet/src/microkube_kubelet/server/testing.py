"""Helpers for tests that talk to a :class:`~microkube_kubelet.server.KubeletServer`: an
in-memory :class:`PodDirectory`, and the client side of the SPDY upgrade (kubectl's
fallback transport), so tests can speak every protocol the server speaks."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Sequence
from pathlib import Path

from microkube.contracts.runtime import ContainerConfig, ContainerRuntime, PodSandboxConfig
from microkube.spdy.frames import SpdyProtocolError
from microkube.spdy.session import SpdySession
from microkube_kubelet.server.directory import ContainerRef, PodRef


class StaticPodDirectory:
    """A :class:`~microkube_kubelet.server.directory.PodDirectory` the test fills in."""

    def __init__(self) -> None:
        self._pods: dict[tuple[str, str], PodRef] = {}
        self._previous: dict[tuple[str, str, str], ContainerRef] = {}

    def put(self, pod: PodRef) -> None:
        self._pods[(pod.namespace, pod.name)] = pod

    def remove(self, namespace: str, name: str) -> None:
        self._pods.pop((namespace, name), None)

    def set_previous(self, namespace: str, pod: str, ref: ContainerRef) -> None:
        self._previous[(namespace, pod, ref.name)] = ref

    def find_pod(self, namespace: str, name: str) -> PodRef | None:
        return self._pods.get((namespace, name))

    def find_container(
        self, namespace: str, pod: str, container: str, *, previous: bool = False
    ) -> ContainerRef | None:
        if previous:
            return self._previous.get((namespace, pod, container))
        found = self._pods.get((namespace, pod))
        return found.containers.get(container) if found is not None else None

    def pods(self) -> list[PodRef]:
        return list(self._pods.values())


def insecure_client_context() -> ssl.SSLContext:
    """TLS without verification, as kube-apiserver talks to a self-signed kubelet."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class SpdyClientConnection:
    """A client's SPDY connection after a successful ``Upgrade: SPDY/3.1``."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        protocol: str,
        trailing: bytes,
    ) -> None:
        self.protocol = protocol
        self._writer = writer

        async def send(data: bytes) -> None:
            writer.write(data)
            await writer.drain()

        self.session = SpdySession(send, client=True)

        async def pump() -> None:
            try:
                if trailing:
                    await self.session.feed(trailing)
                while data := await reader.read(65536):
                    await self.session.feed(data)
            except (ConnectionError, OSError, SpdyProtocolError):
                pass
            finally:
                self.session.feed_eof()

        self._pump = asyncio.create_task(pump())

    async def close(self) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            await self.session.go_away()
        self._writer.close()
        self._pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._pump


class UpgradeRefused(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"upgrade refused: {status} {body!r}")
        self.status = status
        self.body = body


async def spdy_connect(
    host: str, port: int, target: str, protocols: Sequence[str], *, method: str = "POST"
) -> SpdyClientConnection:
    """Open ``target`` with an SPDY/3.1 upgrade offering ``protocols`` (as kubectl does)."""
    reader, writer = await asyncio.open_connection(host, port, ssl=insecure_client_context())
    lines = [
        f"{method} {target} HTTP/1.1",
        f"Host: {host}:{port}",
        "Connection: Upgrade",
        "Upgrade: SPDY/3.1",
        *(f"X-Stream-Protocol-Version: {p}" for p in protocols),
        "Content-Length: 0",
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split()[1])
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if status != 101:
        length = int(headers.get("content-length", "0") or 0)
        body = await reader.readexactly(length) if length else b""
        writer.close()
        raise UpgradeRefused(status, body)
    return SpdyClientConnection(reader, writer, headers.get("x-stream-protocol-version", ""), b"")


async def run_pod(
    runtime: ContainerRuntime,
    directory: StaticPodDirectory,
    log_root: Path,
    *,
    namespace: str = "default",
    name: str = "web",
    uid: str = "uid-1",
    containers: Sequence[str] = ("main",),
    command: Sequence[str] = ("sleep", "3600"),
    stdin: bool = False,
) -> PodRef:
    """Run a pod of ``containers`` in ``runtime`` (logs under ``log_root``, as the kubelet lays
    them out: ``<ns>_<pod>_<uid>/<container>/0.log``) and list it in ``directory``."""
    log_dir = log_root / f"{namespace}_{name}_{uid}"
    sandbox_config = PodSandboxConfig(
        name=name, namespace=namespace, uid=uid, log_directory=str(log_dir)
    )
    sandbox_id = await runtime.run_pod_sandbox(sandbox_config)
    refs: dict[str, ContainerRef] = {}
    for container in containers:
        config = ContainerConfig(
            name=container,
            image="busybox:latest",
            command=tuple(command),
            log_path=f"{container}/0.log",
            stdin=stdin,
        )
        await runtime.pull_image(config.image)
        container_id = await runtime.create_container(sandbox_id, config, sandbox_config)
        await runtime.start_container(container_id)
        refs[container] = ContainerRef(
            name=container,
            container_id=container_id,
            log_path=log_dir / config.log_path,
            running=True,
        )
    pod = PodRef(namespace=namespace, name=name, uid=uid, sandbox_id=sandbox_id, containers=refs)
    directory.put(pod)
    return pod
