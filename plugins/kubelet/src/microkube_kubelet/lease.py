"""The node's heartbeat: its Lease in ``kube-node-lease``, renewed as upstream's
``nodelease`` controller does (every ``duration / 4`` seconds, 10 s for the default 40 s)."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from microkube.client.api import ApiClient
from microkube.client.errors import ApiError, ConflictError, NotFoundError, TransportError
from microkube_kubelet.timeutil import micro_time

__all__ = ["LEASE_NAMESPACE", "NodeLease"]

log = logging.getLogger(__name__)

LEASE_NAMESPACE = "kube-node-lease"


class NodeLease:
    """Creates and renews one node's Lease. ``node_uid`` makes the Node its owner (so the Lease
    goes with the Node) once known."""

    def __init__(self, api: ApiClient, node_name: str, duration_seconds: int = 40) -> None:
        self.api = api
        self.node_name = node_name
        self.duration_seconds = duration_seconds
        self.node_uid = ""
        self._latest: dict[str, Any] | None = None
        #: successful renewals (for tests and hollow-node accounting)
        self.renewals = 0

    @property
    def interval(self) -> float:
        return self.duration_seconds / 4

    def _body(self) -> dict[str, Any]:
        metadata: dict[str, Any] = {"name": self.node_name, "namespace": LEASE_NAMESPACE}
        if self.node_uid:
            metadata["ownerReferences"] = [
                {"apiVersion": "v1", "kind": "Node", "name": self.node_name, "uid": self.node_uid}
            ]
        return {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": metadata,
            "spec": {
                "holderIdentity": self.node_name,
                "leaseDurationSeconds": self.duration_seconds,
                "renewTime": micro_time(),
            },
        }

    async def renew(self) -> None:
        """Renew once (creating the Lease if needed); API errors propagate."""
        if self._latest is None:
            try:
                self._latest = await self.api.get("leases", self.node_name, LEASE_NAMESPACE)
            except NotFoundError:
                self._latest = await self.api.create("leases", self._body(), LEASE_NAMESPACE)
                self.renewals += 1
                return
        body = self._body()
        body["metadata"]["resourceVersion"] = self._latest["metadata"]["resourceVersion"]
        if not self.node_uid:
            owners = self._latest["metadata"].get("ownerReferences")
            if owners:
                body["metadata"]["ownerReferences"] = owners
        try:
            self._latest = await self.api.replace("leases", body, LEASE_NAMESPACE)
        except (ConflictError, NotFoundError):
            self._latest = None  # someone else wrote it, or it was deleted: read it again
            raise
        self.renewals += 1

    async def run(self, *, jitter: float = 0.0) -> None:
        """Renew every :attr:`interval` seconds until cancelled; after a failure retry sooner
        (upstream: 200 ms doubling to 7 s). ``jitter`` delays the first renewal by up to that
        many seconds (hollow nodes spread their renewals)."""
        if jitter:
            await asyncio.sleep(random.uniform(0, jitter))
        retry = 0.2
        while True:
            try:
                await self.renew()
            except (ApiError, TransportError, OSError, TimeoutError) as exc:
                log.info("node %s: renewing its lease failed: %s", self.node_name, exc)
                await asyncio.sleep(retry)
                retry = min(retry * 2, 7.0)
                continue
            retry = 0.2
            await asyncio.sleep(self.interval)
