"""The nodeipam controller (kube-controller-manager's range allocator).

Before its first allocation it rebuilds what is taken from the Nodes that exist (so a
restarted controller never hands out a CIDR twice), and keeps the part of the cluster CIDR
that overlaps the Service CIDR out of use. A Node without ``spec.podCIDRs`` gets the next free
node CIDR of each family, written with a patch of ``podCIDR`` and ``podCIDRs``; a deleted
Node's CIDRs are freed. When a range is full the Node gets a ``CIDRNotAvailable`` event (as
upstream's ``RecordNodeStatusChange``) and is retried with back-off.
"""

from __future__ import annotations

import logging
from typing import Any

from microkube.client.errors import ApiError, NotFoundError
from microkube.contracts.controller import ControllerContext
from microkube_controllers.lifecycle.base import LifecycleController
from microkube_controllers.nodeipam.cidrset import CidrSet, CidrSetFull
from microkube_controllers.nodeipam.options import parse_options

__all__ = ["NodeIpamController", "node_cidrs"]

log = logging.getLogger(__name__)

CIDR_NOT_AVAILABLE = "CIDRNotAvailable"


def node_cidrs(node: dict[str, Any]) -> list[str]:
    """``spec.podCIDRs``, or the older single ``podCIDR``."""
    spec = node.get("spec") or {}
    return list(spec.get("podCIDRs") or ([spec["podCIDR"]] if spec.get("podCIDR") else []))


class NodeIpamController(LifecycleController):
    name = "nodeipam"
    component = "cidrAllocator"

    def __init__(self, context: ControllerContext) -> None:
        super().__init__(context)
        self.settings = parse_options(context.options)
        self.sets = [CidrSet(cidr, mask) for cidr, mask in self.settings.ranges]
        #: node name -> the CIDRs this controller counts as the node's
        self.owned: dict[str, list[str]] = {}
        self._rebuilt = False
        self.nodes = self.watch(
            self.informers.informer("nodes"),
            on_add=self.enqueue,
            on_update=self._updated,
            on_delete=self.enqueue,
        )

    def _updated(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        if node_cidrs(old) != node_cidrs(new) or not node_cidrs(new):
            self.enqueue(new)

    # -- the sets -------------------------------------------------------------------------

    def _set_for(self, cidr: str) -> CidrSet | None:
        return next((s for s in self.sets if s.contains(cidr)), None)

    def _occupy(self, name: str, cidrs: list[str]) -> None:
        for cidr in cidrs:
            cidr_set = self._set_for(cidr)
            if cidr_set is None:
                log.info("nodeipam: node %s has CIDR %s outside the cluster CIDR", name, cidr)
                continue
            cidr_set.occupy(cidr)
        self.owned[name] = cidrs

    def _release(self, cidrs: list[str]) -> None:
        for cidr in cidrs:
            cidr_set = self._set_for(cidr)
            if cidr_set is not None:
                cidr_set.release(cidr)

    def rebuild(self) -> None:
        """Mark the Service CIDR's overlap and every existing Node's CIDRs as taken."""
        for service in self.settings.service_cidrs:
            cidr_set = self._set_for(service)
            if cidr_set is not None:
                cidr_set.occupy(service)
        for node in self.nodes.store.list():
            cidrs = node_cidrs(node)
            if cidrs:
                self._occupy(node["metadata"]["name"], cidrs)
        self._rebuilt = True

    # -- reconcile ------------------------------------------------------------------------

    async def reconcile(self, key: str) -> float | None:
        if not self._rebuilt:
            self.rebuild()
        node = self.nodes.store.get(key)
        if node is None:
            self._release(self.owned.pop(key, []))
            return None
        cidrs = node_cidrs(node)
        if cidrs:
            if self.owned.get(key) != cidrs:
                self._release(self.owned.pop(key, []))
                self._occupy(key, cidrs)
            return None
        if not self.settings.allocate:
            return None
        await self._allocate(node)
        return None

    async def _allocate(self, node: dict[str, Any]) -> None:
        name = node["metadata"]["name"]
        # CIDRs of an earlier attempt whose write may or may not have happened are reused.
        cidrs = self.owned.get(name) or self._allocate_next(node)
        self.owned[name] = cidrs
        patch = {"spec": {"podCIDR": cidrs[0], "podCIDRs": cidrs}}
        try:
            await self.client.patch("nodes", name, patch)
        except ApiError as exc:
            # Gone, or refused (set meanwhile by someone else: its update event re-queues).
            self._release(self.owned.pop(name))
            if isinstance(exc, NotFoundError):
                return
            raise
        log.info("nodeipam: node %s gets pod CIDRs %s", name, ",".join(cidrs))

    def _allocate_next(self, node: dict[str, Any]) -> list[str]:
        name = node["metadata"]["name"]
        cidrs: list[str] = []
        try:
            for cidr_set in self.sets:
                cidrs.append(cidr_set.allocate_next())
        except CidrSetFull:
            self._release(cidrs)
            message = f"Node {name} status is now: {CIDR_NOT_AVAILABLE}"
            self.recorder.event(node, "Normal", CIDR_NOT_AVAILABLE, message)
            raise
        return cidrs
