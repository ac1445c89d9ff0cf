"""Kubernetes' WebSocket channel protocols (``*.channel.k8s.io``) for exec, attach and the
WebSocket port-forward: every message carries one channel's bytes, the channel number first
(one byte, or in the base64 variants one ASCII digit followed by base64 text).
"""

from __future__ import annotations

import base64
import binascii

import attrs

from microkube_kubelet.server.http11 import HttpError
from microkube_kubelet.server.websocket import WebSocket

STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
#: v5: a message on this channel closes the channel named by its one-byte payload.
CLOSE = 255

V5 = "v5.channel.k8s.io"
V4 = "v4.channel.k8s.io"
V4_BASE64 = "v4.base64.channel.k8s.io"
V1 = "channel.k8s.io"
V1_BASE64 = "base64.channel.k8s.io"

#: What exec/attach accept, preferred first ("" = a client offering no subprotocol).
REMOTECOMMAND_PROTOCOLS = (V5, V4, V4_BASE64, V1, V1_BASE64, "")
#: What the WebSocket port-forward (the Python client's) accepts.
PORTFORWARD_PROTOCOLS = (V4, V4_BASE64, "")


def is_base64(protocol: str) -> bool:
    return "base64" in protocol


def has_json_status(protocol: str) -> bool:
    """v4 and later write a Status object to the error channel; v1 writes the error text."""
    return protocol.startswith(("v4.", "v5."))


@attrs.frozen
class ChannelMessage:
    channel: int
    data: bytes


class ChannelSocket:
    """A WebSocket speaking one of the channel protocols."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.protocol = ws.subprotocol
        self._base64 = is_base64(ws.subprotocol)

    async def send(self, channel: int, data: bytes) -> None:
        if self._base64:
            await self.ws.send_text(chr(ord("0") + channel) + base64.b64encode(data).decode())
        else:
            await self.ws.send_bytes(bytes([channel]) + data)

    async def receive(self) -> ChannelMessage | None:
        """The next message, None once the socket closed. Empty messages are skipped."""
        while True:
            message = await self.ws.receive()
            if message is None:
                return None
            if not message:
                continue
            if isinstance(message, str):
                channel = ord(message[0]) - ord("0")
                try:
                    data = base64.b64decode(message[1:], validate=False)
                except (binascii.Error, ValueError) as exc:
                    raise HttpError(400, f"invalid base64 channel message: {exc}") from exc
                return ChannelMessage(channel, data)
            return ChannelMessage(message[0], message[1:])

    async def close(self) -> None:
        await self.ws.close()
