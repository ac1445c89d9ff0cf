"""Informer wiring shared by the endpointslice and endpoints controllers: a Service is synced
when it changes and when a pod it selects (before or after the change) does."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from microkube.client.informer import Informer
from microkube_controllers.common.handlers import key_of, unwrap_tombstone
from microkube_controllers.lifecycle.endpoints.pods import selects


def services_selecting(services: Informer, pod: Mapping[str, Any]) -> list[str]:
    namespace = (pod.get("metadata") or {}).get("namespace") or ""
    return [
        key_of(service)
        for service in services.store.by_index("namespace", namespace)
        if selects(service, pod)
    ]


def pod_handlers(services: Informer, enqueue: Callable[[str], None]) -> dict[str, Any]:
    """``on_add``/``on_update``/``on_delete`` for the pods informer."""

    def added(pod: Mapping[str, Any]) -> None:
        for key in services_selecting(services, pod):
            enqueue(key)

    def updated(old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        if (old.get("metadata") or {}).get("resourceVersion") == (new.get("metadata") or {}).get(
            "resourceVersion"
        ):
            return
        for key in set(services_selecting(services, old)) | set(services_selecting(services, new)):
            enqueue(key)

    def deleted(pod: Any) -> None:
        added(unwrap_tombstone(pod))

    return {"on_add": added, "on_update": updated, "on_delete": deleted}
