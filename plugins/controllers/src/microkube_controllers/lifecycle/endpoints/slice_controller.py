"""The endpointslice controller (kube-controller-manager's ``endpointslice-controller``):
discovery.k8s.io/v1 EndpointSlices for every Service with a selector.

Slices carry ``kubernetes.io/service-name`` and ``endpointslice.kubernetes.io/managed-by:
endpointslice-controller.k8s.io``, are owned by their Service (the garbage collector removes
them with it) and hold at most ``max-endpoints-per-slice`` (default 100) endpoints. Services
without a selector, and ExternalName Services, are left alone: their slices are someone
else's. Only slices managed by this controller are ever changed.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from microkube.client.errors import AlreadyExistsError, ApiError, ConflictError, NotFoundError
from microkube.contracts.controller import ControllerContext
from microkube_controllers.common.handlers import key_of, unwrap_tombstone
from microkube_controllers.lifecycle.base import LifecycleController, ensure_index
from microkube_controllers.lifecycle.endpoints.pods import selects
from microkube_controllers.lifecycle.endpoints.service_watch import pod_handlers
from microkube_controllers.lifecycle.endpoints.slices import (
    CONTROLLER_NAME,
    MANAGED_BY_LABEL,
    MAX_ENDPOINTS_PER_SLICE,
    SERVICE_NAME_LABEL,
    desired_groups,
    plan,
)
from microkube_controllers.lifecycle.endpoints.tracker import SliceTracker
from microkube_controllers.lifecycle.endpoints.triggertime import ANNOTATION, TriggerTimeTracker
from microkube_controllers.lifecycle.options import Options

log = logging.getLogger(__name__)

SERVICE_INDEX = "lifecycle/service"
#: how soon a Service whose slices the cache does not show yet is looked at again
STALE_RETRY = 0.1


def _managed_service(endpoint_slice: dict[str, Any]) -> list[str]:
    """Index: ``namespace/service`` of a slice this controller manages."""
    meta = endpoint_slice.get("metadata") or {}
    labels = meta.get("labels") or {}
    if labels.get(MANAGED_BY_LABEL) != CONTROLLER_NAME or not labels.get(SERVICE_NAME_LABEL):
        return []
    return [f"{meta.get('namespace')}/{labels[SERVICE_NAME_LABEL]}"]


class EndpointSliceController(LifecycleController):
    name = "endpointslice"
    component = "endpointslice-controller"

    def __init__(self, context: ControllerContext) -> None:
        super().__init__(context)
        options = Options(context.options)
        self.max_per_slice = options.integer("max-endpoints-per-slice", MAX_ENDPOINTS_PER_SLICE)
        if not 1 <= self.max_per_slice <= 1000:
            raise ValueError("option max-endpoints-per-slice: must be between 1 and 1000")
        self.tracker = SliceTracker()
        self.trigger_times = TriggerTimeTracker()
        self.services = self.watch(
            self.informers.informer("services"),
            on_add=lambda s: self.queue.add(key_of(s)),
            on_update=lambda old, new: self.queue.add(key_of(new)),
            on_delete=lambda s: self.queue.add(key_of(s)),
        )
        self.pods = self.watch(
            self.informers.informer("pods"), **pod_handlers(self.services, self.queue.add)
        )
        self.nodes = self.watch(self.informers.informer("nodes"))
        slices = self.informers.informer("endpointslices")
        ensure_index(slices, SERVICE_INDEX, _managed_service)
        self.slices = self.watch(
            slices,
            on_update=lambda old, new: self._slice_changed(new),
            on_delete=lambda s: self._slice_changed(unwrap_tombstone(s)),
        )

    def _slice_changed(self, endpoint_slice: dict[str, Any]) -> None:
        for key in _managed_service(endpoint_slice):
            self.queue.add(key)

    async def reconcile(self, key: str) -> float | None:
        service = self.services.store.get(key)
        if service is None:
            # the slices go with their Service (ownerReferences: the garbage collector)
            self.tracker.forget(key)
            self.trigger_times.forget(key)
            return None
        spec = service.get("spec") or {}
        if not spec.get("selector") or spec.get("type") == "ExternalName":
            return None
        existing = self.slices.store.by_index(SERVICE_INDEX, key)
        if self.tracker.stale(key, existing):
            return STALE_RETRY
        namespace = service["metadata"]["namespace"]
        pods = [
            pod for pod in self.pods.store.by_index("namespace", namespace) if selects(service, pod)
        ]
        nodes = {node["metadata"]["name"]: node for node in self.nodes.store.list()}
        groups = desired_groups(service, pods, nodes)
        writes = plan(service, groups, existing, self.max_per_slice)
        trigger = self.trigger_times.compute(key, service, pods)
        if writes.empty:
            return None
        try:
            await self._apply(key, writes, trigger)
        except ApiError as exc:
            if exc.code == 403:  # the namespace is being deleted: its slices go with it
                return None
            self.recorder.event(
                service,
                "Warning",
                "FailedToUpdateEndpointSlices",
                f"Error updating Endpoint Slices for Service {key}: {exc}",
            )
            raise
        return None

    async def _apply(self, key: str, writes: Any, trigger: str | None) -> None:
        namespace, _, _ = key.partition("/")
        for body in writes.create + writes.update:
            annotations = dict(body["metadata"].get("annotations") or {})
            if trigger:
                annotations[ANNOTATION] = trigger
            body["metadata"] = {**body["metadata"], "annotations": annotations or None}
        for body in writes.update:
            try:
                self.tracker.wrote(key, await self.client.replace("endpointslices", body))
            except NotFoundError:
                self.tracker.deleted(key, body["metadata"]["name"])
        for body in writes.create:
            try:
                self.tracker.wrote(key, await self.client.create("endpointslices", body))
            except AlreadyExistsError:
                continue
        for body in writes.delete:
            meta = body["metadata"]
            with contextlib.suppress(NotFoundError, ConflictError):
                await self.client.delete(
                    "endpointslices", meta["name"], namespace, preconditions={"uid": meta["uid"]}
                )
            self.tracker.deleted(key, meta["name"])
