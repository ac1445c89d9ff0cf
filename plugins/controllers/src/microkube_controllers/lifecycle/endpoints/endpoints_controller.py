"""The endpoints controller (kube-controller-manager's ``endpoints-controller``): a core/v1
Endpoints object, named as its Service, for every Service with a selector.

The object is written only when its subsets, labels or capacity annotation differ from what
the pods say, with ``endpoints.kubernetes.io/last-change-trigger-time``; it is deleted with
its Service. It carries ``endpoints.kubernetes.io/managed-by: endpoint-controller``; when the
controller starts, such Endpoints left without a Service are deleted, as upstream does.
Services without a selector keep the Endpoints their users write.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from microkube.client.errors import ApiError, NotFoundError
from microkube.contracts.controller import ControllerContext
from microkube_controllers.common.handlers import key_of, unwrap_tombstone
from microkube_controllers.lifecycle.base import LifecycleController
from microkube_controllers.lifecycle.endpoints.pods import selects
from microkube_controllers.lifecycle.endpoints.service_watch import pod_handlers
from microkube_controllers.lifecycle.endpoints.subsets import (
    CONTROLLER_NAME,
    MANAGED_BY_LABEL,
    OVER_CAPACITY_ANNOTATION,
    desired_subsets,
    endpoints_labels,
)
from microkube_controllers.lifecycle.endpoints.triggertime import ANNOTATION, TriggerTimeTracker

log = logging.getLogger(__name__)


class EndpointsController(LifecycleController):
    name = "endpoints"
    component = "endpoint-controller"

    def __init__(self, context: ControllerContext) -> None:
        super().__init__(context)
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
        self.endpoints = self.watch(
            self.informers.informer("endpoints"),
            on_delete=lambda e: self.queue.add(key_of(unwrap_tombstone(e))),
        )

    async def background(self) -> None:
        """Once synced, look at every Endpoints object this controller wrote: those whose
        Service went while it was not running are deleted (upstream
        ``checkLeftoverEndpoints``); Endpoints someone else wrote are never touched."""
        for endpoints in self.endpoints.store.list():
            labels = (endpoints.get("metadata") or {}).get("labels") or {}
            if labels.get(MANAGED_BY_LABEL) == CONTROLLER_NAME:
                self.queue.add(key_of(endpoints))

    async def reconcile(self, key: str) -> float | None:
        namespace, _, name = key.partition("/")
        service = self.services.store.get(key)
        if service is None:
            self.trigger_times.forget(key)
            if self.endpoints.store.get(key) is not None:
                with contextlib.suppress(NotFoundError):
                    await self.client.delete("endpoints", name, namespace)
            return None
        if not (service.get("spec") or {}).get("selector"):
            return None
        pods = [p for p in self.pods.store.by_index("namespace", namespace) if selects(service, p)]
        subsets, truncated = desired_subsets(service, pods)
        labels = endpoints_labels(service)
        trigger = self.trigger_times.compute(key, service, pods)
        current = self.endpoints.store.get(key)
        if current is not None and _up_to_date(current, subsets, labels, truncated):
            return None
        annotations = dict(((current or {}).get("metadata") or {}).get("annotations") or {})
        if trigger:
            annotations[ANNOTATION] = trigger
        else:
            annotations.pop(ANNOTATION, None)
        if truncated:
            annotations[OVER_CAPACITY_ANNOTATION] = "truncated"
        else:
            annotations.pop(OVER_CAPACITY_ANNOTATION, None)
        body: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": labels or None,
                "annotations": annotations or None,
            },
            "subsets": subsets,
        }
        try:
            if current is None:
                await self.client.create("endpoints", body, namespace)
            else:
                body["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
                await self.client.replace("endpoints", body, namespace)
        except ApiError as exc:
            if exc.code == 403:  # the namespace is being deleted: nothing to keep up to date
                return None
            self.recorder.event(
                service,
                "Warning",
                "FailedToUpdateEndpoint",
                f"Failed to update endpoint {key}: {exc}",
            )
            raise
        return None


def _up_to_date(current: dict[str, Any], subsets: list, labels: dict, truncated: bool) -> bool:
    meta = current.get("metadata") or {}
    capacity_ok = (
        (meta.get("annotations") or {}).get(OVER_CAPACITY_ANNOTATION) == "truncated"
    ) == truncated
    return (
        (current.get("subsets") or []) == subsets
        and (meta.get("labels") or {}) == labels
        and capacity_ok
    )
