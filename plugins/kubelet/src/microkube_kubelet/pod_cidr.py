"""The node's pod CIDR: the kubelet's ``pod-cidr`` option, else its Node's ``spec.podCIDR``
(which the controller manager's nodeipam sets soon after the Node registers). It never changes
once set, so the first answer is kept."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from microkube.client.errors import ApiError, TransportError

__all__ = ["PodCIDRSource"]


class PodCIDRSource:
    def __init__(self, api: Any, node_name: str, configured: str | None = None) -> None:
        self.api = api
        self.node_name = node_name
        self.cidr = configured or ""

    async def get(self) -> str:
        """The pod CIDR, or '' while the Node has none (or the API server is away)."""
        if not self.cidr:
            try:
                node = await self.api.get("nodes", self.node_name)
            except (ApiError, TransportError, OSError, TimeoutError):
                return ""
            spec = node.get("spec") or {}
            self.cidr = (spec.get("podCIDRs") or [spec.get("podCIDR") or ""])[0]
        return self.cidr

    async def wait(self, within: float, every: float = 0.2) -> str:
        """:meth:`get`, asked again every ``every`` seconds for at most ``within``."""
        deadline = time.monotonic() + within
        while True:
            cidr = await self.get()
            if cidr or time.monotonic() >= deadline:
                return cidr
            await asyncio.sleep(every)
