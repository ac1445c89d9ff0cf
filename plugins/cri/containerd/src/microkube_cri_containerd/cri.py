"""The CRI ``runtime.v1`` gRPC client: stubs, the channel, and gRPC errors as contract errors.

The generated stubs come from PyPI ``container-runtime-interface-api`` (``cri_api.v1``);
they are imported here, when a runtime is built, never at plugin import.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio

from microkube.contracts.runtime import NotFoundError, RuntimeError_

try:
    from cri_api.v1 import api_pb2, api_pb2_grpc
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "the containerd runtime needs the CRI stubs: "
        "pip install --no-deps container-runtime-interface-api"
    ) from exc

__all__ = ["CriClient", "api", "cri_errors"]

#: The generated ``runtime.v1`` messages.
api: Any = api_pb2

#: gRPC messages up to 16 MiB (containerd's own limit), not gRPC's 4 MiB default.
_MAX_MESSAGE = 16 * 1024 * 1024


class CriClient:
    """One channel to containerd's socket with the RuntimeService and ImageService stubs."""

    def __init__(self, address: str) -> None:
        target = address if address.startswith("unix:") else f"unix://{address}"
        self.address = address
        self.channel = grpc.aio.insecure_channel(
            target,
            options=[
                ("grpc.max_receive_message_length", _MAX_MESSAGE),
                ("grpc.max_send_message_length", _MAX_MESSAGE),
            ],
        )
        self.runtime = api_pb2_grpc.RuntimeServiceStub(self.channel)
        self.images = api_pb2_grpc.ImageServiceStub(self.channel)

    async def close(self) -> None:
        await self.channel.close()


@contextlib.asynccontextmanager
async def cri_errors(what: str) -> AsyncIterator[None]:
    """gRPC failures as contract errors saying ``what`` failed, in containerd's own words:
    NOT_FOUND -> :class:`NotFoundError`, everything else -> :class:`RuntimeError_`."""
    try:
        yield
    except grpc.aio.AioRpcError as exc:
        details = exc.details() or exc.code().name
        if exc.code() is grpc.StatusCode.NOT_FOUND or "not found" in details:
            raise NotFoundError(f"{what}: {details}") from None
        if exc.code() is grpc.StatusCode.UNAVAILABLE:
            raise RuntimeError_(f"containerd is unavailable: {details}") from None
        raise RuntimeError_(f"{what}: {details}") from None
