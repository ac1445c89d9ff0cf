"""Runs one probe once: exec, httpGet, tcpSocket or grpc, as upstream's ``pkg/probe``.

Network probes go to the pod IP; a pod without one (a process-runtime pod in its own
network namespace with only loopback) is reached through ``runtime.port_forward``, which
opens the connection inside the pod's network.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Mapping
from typing import Any

import attrs

from microkube.contracts.runtime import ContainerRuntime, RuntimeError_

__all__ = ["ProbeOutcome", "ProbeTarget", "Prober", "resolve_port"]

USER_AGENT = "kube-probe/1.32"
_BODY_LIMIT = 10 * 1024


@attrs.frozen
class ProbeOutcome:
    success: bool
    output: str = ""


@attrs.frozen(kw_only=True)
class ProbeTarget:
    container: Mapping[str, Any]
    container_id: str
    sandbox_id: str
    pod_ip: str


def resolve_port(port: Any, container: Mapping[str, Any]) -> int:
    """A probe's port: a number, or the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    text = str(port)
    if text.isdigit():
        return int(text)
    for declared in container.get("ports") or ():
        if declared.get("name") == text:
            return int(declared["containerPort"])
    raise ValueError(f"cannot find port {text!r} in container {container.get('name')!r}")


class Prober:
    def __init__(self, runtime: ContainerRuntime) -> None:
        self.runtime = runtime

    async def run(self, probe: Mapping[str, Any], target: ProbeTarget) -> ProbeOutcome:
        seconds = float(probe.get("timeoutSeconds") or 1)
        try:
            if "exec" in probe:
                return await self._exec(probe["exec"], target, seconds)
            return await asyncio.wait_for(self._network(probe, target), seconds)
        except TimeoutError:
            return ProbeOutcome(False, f"probe timed out after {seconds:g}s")
        except (OSError, ValueError, RuntimeError_, ConnectionError) as exc:
            return ProbeOutcome(False, str(exc) or type(exc).__name__)

    async def _network(self, probe: Mapping[str, Any], target: ProbeTarget) -> ProbeOutcome:
        if "httpGet" in probe:
            return await self._http(probe["httpGet"], target)
        if "tcpSocket" in probe:
            return await self._tcp(probe["tcpSocket"], target)
        if "grpc" in probe:
            from microkube_kubelet.grpc_probe import grpc_health_check

            port = int(probe["grpc"].get("port", 0))
            return await grpc_health_check(
                self,
                target,
                port,
                probe["grpc"].get("service") or "",
                float(probe.get("timeoutSeconds") or 1),
            )
        raise ValueError("probe has no handler (exec, httpGet, tcpSocket or grpc)")

    async def _exec(
        self, handler: Mapping[str, Any], target: ProbeTarget, seconds: float
    ) -> ProbeOutcome:
        command = [str(part) for part in handler.get("command") or ()]
        try:
            result = await asyncio.wait_for(
                self.runtime.exec_sync(target.container_id, command, seconds), seconds + 1
            )
        except TimeoutError:
            return ProbeOutcome(False, f"command {command!r} timed out")
        output = (result.stdout + result.stderr).decode(errors="replace").strip()
        if result.exit_code == 0:
            return ProbeOutcome(True, output)
        if not output:
            output = f"command {command!r} exited with {result.exit_code}"
        return ProbeOutcome(False, output)

    async def connect(
        self, host: str, port: int, target: ProbeTarget
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, str]:
        """A connection to ``port`` of the pod (or ``host``); returns the address used."""
        if host or target.pod_ip:
            address = host or target.pod_ip
            try:
                reader, writer = await asyncio.open_connection(address, port)
            except OSError as exc:
                raise OSError(f"dial tcp {address}:{port}: connect: {_reason(exc)}") from None
            return reader, writer, f"{address}:{port}"
        try:
            reader, writer = await self.runtime.port_forward(target.sandbox_id, port)
        except OSError as exc:
            raise OSError(f"dial tcp 127.0.0.1:{port} (pod network): {_reason(exc)}") from None
        return reader, writer, f"127.0.0.1:{port}"

    async def _tcp(self, handler: Mapping[str, Any], target: ProbeTarget) -> ProbeOutcome:
        port = resolve_port(handler.get("port"), target.container)
        _, writer, _ = await self.connect(handler.get("host") or "", port, target)
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return ProbeOutcome(True)

    async def _http(self, handler: Mapping[str, Any], target: ProbeTarget) -> ProbeOutcome:
        port = resolve_port(handler.get("port"), target.container)
        scheme = (handler.get("scheme") or "HTTP").lower()
        path = handler.get("path") or "/"
        if not path.startswith("/"):
            path = "/" + path
        reader, writer, address = await self.connect(handler.get("host") or "", port, target)
        url = f"{scheme}://{address}{path}"
        try:
            if scheme == "https":
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE  # as upstream: probes skip verification
                await writer.start_tls(context)
            headers = {"Host": address, "User-Agent": USER_AGENT, "Accept": "*/*"}
            for header in handler.get("httpHeaders") or ():
                headers[header.get("name", "")] = header.get("value", "")
            headers["Connection"] = "close"
            request = f"GET {path} HTTP/1.1\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in headers.items()
            )
            writer.write(request.encode() + b"\r\n")
            await writer.drain()
            status_line = await reader.readline()
            parts = status_line.decode(errors="replace").split(" ", 2)
            if len(parts) < 2 or not parts[1].isdigit():
                return ProbeOutcome(False, f'Get "{url}": malformed HTTP response {status_line!r}')
            code = int(parts[1])
            body = await _read_body(reader)
        finally:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError):
                await writer.wait_closed()
        if 200 <= code < 400:
            return ProbeOutcome(True, body)
        return ProbeOutcome(False, f"HTTP probe failed with statuscode: {code}")


async def _read_body(reader: asyncio.StreamReader) -> str:
    while True:  # skip headers
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        data = await reader.read(_BODY_LIMIT)
        return data.decode(errors="replace")
    return ""


def _reason(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return exc.strerror or str(exc)
