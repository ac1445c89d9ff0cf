"""gRPC probes: the ``grpc.health.v1.Health/Check`` call, as upstream's ``probe/grpc``.

The two messages are tiny, so they are encoded here by hand (``HealthCheckRequest{string
service = 1}``, ``HealthCheckResponse{ServingStatus status = 1}``) over a grpcio channel
with no generated stubs. A pod without an IP is reached through a loopback relay whose
connections are ``runtime.port_forward`` streams into the pod's network.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from microkube_kubelet.prober import ProbeOutcome, ProbeTarget

if TYPE_CHECKING:
    from microkube_kubelet.prober import Prober

__all__ = ["decode_response", "encode_request", "grpc_health_check"]

CHECK = "/grpc.health.v1.Health/Check"
STATUSES = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode_request(service: str) -> bytes:
    data = service.encode()
    return b"\x0a" + _varint(len(data)) + data if data else b""


def decode_response(data: bytes) -> int:
    """The ``status`` field of a HealthCheckResponse (0 when absent)."""
    i, status = 0, 0
    while i < len(data):
        key = data[i]
        i += 1
        value, shift = 0, 0
        while True:
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if key == 0x08:
            status = value
        elif key & 0x07 == 2:  # a length-delimited field we do not know: skip it
            i += value
    return status


@contextlib.asynccontextmanager
async def _relay(prober: Prober, target: ProbeTarget, port: int) -> AsyncIterator[str]:
    """A loopback address whose connections are port-forwarded into the pod."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            pod_reader, pod_writer = await prober.runtime.port_forward(target.sandbox_id, port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, pod_writer), pipe(pod_reader, writer))

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


async def grpc_health_check(
    prober: Prober, target: ProbeTarget, port: int, service: str, seconds: float
) -> ProbeOutcome:
    import grpc  # the dependency is only loaded by pods that use gRPC probes

    async def call(address: str) -> ProbeOutcome:
        async with grpc.aio.insecure_channel(address) as channel:
            method = channel.unary_unary(CHECK)
            try:
                answer = await method(encode_request(service), timeout=seconds)
            except grpc.aio.AioRpcError as exc:
                if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                    return ProbeOutcome(
                        False,
                        f'timeout: failed to connect service "{address}" within {seconds:g}s',
                    )
                return ProbeOutcome(
                    False, f"error: health rpc failed: {exc.code().name}: {exc.details()}"
                )
        status = decode_response(answer)
        if status == 1:
            return ProbeOutcome(True, "status: SERVING")
        return ProbeOutcome(
            False, f'service unhealthy (responded with "{STATUSES.get(status, status)}")'
        )

    if target.pod_ip:
        return await call(f"{target.pod_ip}:{port}")
    async with _relay(prober, target, port) as address:
        return await call(address)
