"""The proxier: keeps the Services, EndpointSlices and node addresses it was told about, and
programs the backend — one full ``sync`` first, then coalesced ``update`` batches.

Informer handlers only mark a Service dirty and wake the loop; the loop waits out the batching
window (``min_sync_period``, kube-proxy's minSyncPeriod: at most one batch per window), then
re-flattens only the dirty Services and hands the backend the service ports that differ from
what it programmed last (None for those gone). A changed node address needs ``node_ips`` in
the state, which only ``sync`` carries, so it triggers a full sync; so does a failed update
(after ``retry_seconds``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from microkube.contracts.proxy import ProxyState, ServicePortName, ServiceProxy, ServiceState
from microkube_kube_proxy.flatten import SERVICE_NAME_LABEL, flatten_service

__all__ = ["Proxier"]

log = logging.getLogger(__name__)

Obj = Mapping[str, Any]
ServiceKey = tuple[str, str]  # (namespace, name)


def _meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def _service_key(obj: Obj) -> ServiceKey:
    meta = _meta(obj)
    return (meta.get("namespace") or "default", meta.get("name") or "")


def _slice_owner(obj: Obj) -> ServiceKey | None:
    meta = _meta(obj)
    service = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
    return (meta.get("namespace") or "default", service) if service else None


def _unwrap(obj: Any) -> Obj:
    """Deleted objects may arrive as tombstones (``DeletedFinalStateUnknown``)."""
    return getattr(obj, "obj", obj)


class Proxier:
    def __init__(
        self,
        backend: ServiceProxy,
        node_name: str,
        node_ips: tuple[str, ...] = (),
        *,
        min_sync_period: float = 0.1,
        retry_seconds: float = 1.0,
    ) -> None:
        self.backend = backend
        self.node_name = node_name
        self.node_ips = node_ips
        self.min_sync_period = min_sync_period
        self.retry_seconds = retry_seconds
        self._services: dict[ServiceKey, Obj] = {}
        self._slices: dict[ServiceKey, dict[str, Obj]] = {}
        self._programmed: dict[ServiceKey, dict[ServicePortName, ServiceState]] = {}
        self._dirty: set[ServiceKey] = set()
        self._needs_full = True
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        #: batches sent to the backend so far (full syncs, incremental updates)
        self.syncs = 0
        self.updates = 0

    # -- informer handlers --------------------------------------------------------------

    def on_service(self, *objs: Obj) -> None:
        obj = _unwrap(objs[-1])
        key = _service_key(obj)
        self._services[key] = obj
        self._mark(key)

    def on_service_delete(self, obj: Obj) -> None:
        key = _service_key(_unwrap(obj))
        self._services.pop(key, None)
        self._mark(key)

    def on_slice(self, *objs: Obj) -> None:
        obj = _unwrap(objs[-1])
        owner = _slice_owner(obj)
        if owner is not None:
            self._slices.setdefault(owner, {})[_meta(obj).get("name") or ""] = obj
            self._mark(owner)

    def on_slice_delete(self, obj: Obj) -> None:
        obj = _unwrap(obj)
        owner = _slice_owner(obj)
        if owner is not None:
            slices = self._slices.get(owner, {})
            slices.pop(_meta(obj).get("name") or "", None)
            if not slices:
                self._slices.pop(owner, None)
            self._mark(owner)

    def set_node_ips(self, node_ips: tuple[str, ...]) -> None:
        if node_ips != self.node_ips:
            self.node_ips = node_ips
            self._needs_full = True
            self._kick()

    def _mark(self, key: ServiceKey) -> None:
        self._dirty.add(key)
        self._kick()

    def _kick(self) -> None:
        self._idle.clear()
        self._wake.set()

    # -- programming --------------------------------------------------------------------

    def desired(self, key: ServiceKey) -> dict[ServicePortName, ServiceState]:
        service = self._services.get(key)
        if service is None:
            return {}
        return flatten_service(service, self._slices.get(key, {}).values())

    def state(self) -> ProxyState:
        services: dict[ServicePortName, ServiceState] = {}
        for key in self._services:
            services.update(self.desired(key))
        return ProxyState(node_name=self.node_name, node_ips=self.node_ips, services=services)

    async def sync(self) -> None:
        """Program everything known now (one ``sync``)."""
        self._dirty.clear()
        self._needs_full = False
        programmed = {key: self.desired(key) for key in self._services}
        services = {name: s for ports in programmed.values() for name, s in ports.items()}
        try:
            await self.backend.sync(
                ProxyState(node_name=self.node_name, node_ips=self.node_ips, services=services)
            )
        except BaseException:
            self._needs_full = True
            raise
        self._programmed = {key: ports for key, ports in programmed.items() if ports}
        self.syncs += 1

    def changes(self) -> dict[ServicePortName, ServiceState | None]:
        """What differs from the backend's state for the dirty Services (clears them)."""
        changes: dict[ServicePortName, ServiceState | None] = {}
        dirty, self._dirty = self._dirty, set()
        for key in dirty:
            old = self._programmed.get(key, {})
            new = self.desired(key)
            for name in old.keys() - new.keys():
                changes[name] = None
            for name, service in new.items():
                if old.get(name) != service:
                    changes[name] = service
            if new:
                self._programmed[key] = new
            else:
                self._programmed.pop(key, None)
        return changes

    async def flush(self) -> None:
        """Program pending changes now (a full sync when one is due)."""
        if self._needs_full:
            await self.sync()
            return
        changes = self.changes()
        if changes:
            try:
                await self.backend.update(changes)
            except Exception:
                self._needs_full = True
                raise
            self.updates += 1

    async def wait_idle(self) -> None:
        """Wait until every change seen so far has been programmed (for tests and tools)."""
        await self._idle.wait()

    # -- the loop -----------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="kube-proxy sync loop")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last = float("-inf")
        while True:
            await self._wake.wait()
            delay = last + self.min_sync_period - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._wake.clear()
            last = loop.time()
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("kube-proxy: programming the backend failed; retrying")
                await asyncio.sleep(self.retry_seconds)
                self._wake.set()
                continue
            if not self._wake.is_set():
                self._idle.set()
