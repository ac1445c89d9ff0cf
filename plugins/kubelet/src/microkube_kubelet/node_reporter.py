"""Registers the Node and keeps its status current, as upstream's ``kubelet_node_status.go``:
every ``node-status-update-frequency`` the status is computed; it is posted when it changed,
or when ``node-status-report-frequency`` passed since the last post."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from microkube.client.api import ApiClient
from microkube.client.errors import AlreadyExistsError, ApiError, TransportError
from microkube.contracts.runtime import Image, RuntimeError_, RuntimeVersion
from microkube_kubelet.host import HostInfo, pressure
from microkube_kubelet.node_status import (
    NodeHealth,
    default_labels,
    node_conditions,
    node_object,
    node_status,
    significant,
)
from microkube_kubelet.options import KubeletOptions

__all__ = ["NodeReporter"]

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[tuple[NodeHealth, RuntimeVersion | None]]]


class NodeReporter:
    def __init__(
        self,
        api: ApiClient,
        host: HostInfo,
        options: KubeletOptions,
        root_dir: Path,
        health: HealthCheck,
        kubelet_port: Callable[[], int],
        images: Callable[[], Awaitable[list[Image]]],
    ) -> None:
        self.api = api
        self.host = host
        self.options = options
        self.root_dir = root_dir
        self._health = health
        self._kubelet_port = kubelet_port
        self._images = images
        self.node_uid = ""
        self.registered = False
        self._posted: dict[str, Any] | None = None
        self._posted_at = 0.0
        self._conditions: list[dict[str, Any]] = []
        #: status posts done (for tests: "only when changed")
        self.posts = 0

    @property
    def name(self) -> str:
        return self.options.node_name

    async def register(self) -> None:
        """Create the Node, or adopt the existing one (default labels re-applied)."""
        try:
            node = await self.api.create("nodes", node_object(self.host, self.options))
        except AlreadyExistsError:
            node = await self.api.patch(
                "nodes",
                self.name,
                {"metadata": {"labels": default_labels(self.host, self.options)}},
            )
            self._conditions = list((node.get("status") or {}).get("conditions") or [])
        self.node_uid = node["metadata"].get("uid", "")
        self.registered = True

    async def compute(self) -> dict[str, Any]:
        health, runtime = await self._health()
        try:
            images = await self._images()
        except (RuntimeError_, OSError):
            images = []
        found = pressure(self.host, self.root_dir)  # a few /proc reads and one statvfs
        self._conditions = node_conditions(found, health, self._conditions)
        return node_status(
            self.host,
            self.options,
            runtime=runtime,
            kubelet_port=self._kubelet_port(),
            conditions=self._conditions,
            images=images,
        )

    async def sync(self, *, force: bool = False) -> bool:
        """Register if needed, compute the status and post it if due; True if posted."""
        if not self.registered:
            await self.register()
            force = True
        status = await self.compute()
        now = time.monotonic()
        due = now - self._posted_at >= self.options.node_status_report_frequency
        if not (force or due) and self._posted == significant(status):
            return False
        await self.api.patch_status("nodes", self.name, {"status": status}, patch_type="strategic")
        self._posted = significant(status)
        self._posted_at = now
        self.posts += 1
        return True

    async def run(self, *, jitter: float = 0.0) -> None:
        """:meth:`sync` every ``node-status-update-frequency`` until cancelled; failures are
        retried at the next tick (the API server may be away)."""
        if jitter:
            await asyncio.sleep(random.uniform(0, jitter))
        while True:
            try:
                await self.sync()
            except (ApiError, TransportError, OSError, TimeoutError) as exc:
                log.info("node %s: posting its status failed: %s", self.name, exc)
                self._posted = None  # post again as soon as it can
            await asyncio.sleep(self.options.node_status_update_frequency)
