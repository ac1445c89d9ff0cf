"""NamespaceLifecycle: no new objects in a namespace that is missing or being deleted, and
the system namespaces cannot be deleted.

As Kubernetes' plugin: creating a namespaced object in a missing namespace is
``404 namespaces "x" not found``; in a Terminating one it is ``403 Forbidden`` with
``unable to create new content in namespace x because it is being terminated``; deleting
``default``, ``kube-system`` or ``kube-public`` is forbidden.
"""

from __future__ import annotations

import json

from microkube.contracts.admission import AdmissionDenied, AdmissionRequest, Cause, Operation
from microkube.contracts.storage import Storage
from microkube_apiserver.admission.chain import AdmissionHost
from microkube_apiserver.store import keys

__all__ = ["IMMORTAL_NAMESPACES", "NamespaceLifecycle"]

IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})


class NamespaceLifecycle:
    name = "NamespaceLifecycle"

    def __init__(self) -> None:
        self._storage: Storage | None = None

    def bind_host(self, host: AdmissionHost) -> None:
        self._storage = host.storage

    def handles(self, request: AdmissionRequest) -> bool:
        if request.resource.group == "" and request.resource.resource == "namespaces":
            return request.operation is Operation.DELETE
        return request.operation is Operation.CREATE and bool(request.namespace)

    async def admit(self, request: AdmissionRequest) -> None:
        if request.operation is Operation.DELETE:
            if request.name in IMMORTAL_NAMESPACES:
                raise AdmissionDenied("this namespace may not be deleted")
            return
        if self._storage is None:
            return
        namespace = request.namespace
        kv = await self._storage.get(keys.object_key("", "namespaces", None, namespace))
        if kv is None:
            raise AdmissionDenied(
                f'namespaces "{namespace}" not found', code=404, reason="NotFound"
            )
        stored = json.loads(kv.value)
        terminating = (stored.get("metadata") or {}).get("deletionTimestamp") or (
            (stored.get("status") or {}).get("phase") == "Terminating"
        )
        if terminating:
            raise AdmissionDenied(
                f"unable to create new content in namespace {namespace} because it is being "
                "terminated",
                code=403,
                reason="Forbidden",
                causes=(
                    Cause(
                        field="metadata.namespace",
                        message=f"namespace {namespace} is being terminated",
                        reason="NamespaceTerminating",
                    ),
                ),
            )
