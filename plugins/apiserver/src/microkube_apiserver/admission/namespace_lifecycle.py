"""NamespaceLifecycle: no new objects in a namespace that is missing or being deleted, and
the system namespaces cannot be deleted.

As Kubernetes' plugin: creating a namespaced object in a missing namespace is
``404 namespaces "x" not found``; in a Terminating one it is ``403 Forbidden`` with
``unable to create new content in namespace x because it is being terminated``; deleting
``default``, ``kube-system`` or ``kube-public`` is forbidden.

Like Kubernetes' plugin, it answers from a cache of the namespaces (a watch,
:mod:`~microkube_apiserver.admission.namespace_cache`) and reads the store ("a live lookup")
whenever the cache may be behind in a way that matters: the namespace is not in it (it may
have just been created), it is terminating (it may have just been removed: 404, not 403), or
this server admitted a change to it (a deletion) in the last ``LIVE_LOOKUP_SECONDS``. Only
"active, and nothing changed it lately" is taken from the cache.
"""

from __future__ import annotations

import json
import time

from microkube.contracts.admission import AdmissionDenied, AdmissionRequest, Cause, Operation
from microkube.contracts.storage import Storage
from microkube_apiserver.admission.chain import AdmissionHost
from microkube_apiserver.admission.namespace_cache import NamespaceCache, is_terminating
from microkube_apiserver.store import keys

__all__ = ["IMMORTAL_NAMESPACES", "LIVE_LOOKUP_SECONDS", "NamespaceLifecycle"]

IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})
#: How long after this server admitted a change to a namespace its creates read the store
#: (kube-apiserver's forceLiveLookupTTL).
LIVE_LOOKUP_SECONDS = 30.0


class NamespaceLifecycle:
    name = "NamespaceLifecycle"

    def __init__(self) -> None:
        self._storage: Storage | None = None
        self._cache: NamespaceCache | None = None
        self._live_until: dict[str, float] = {}

    def bind_host(self, host: AdmissionHost) -> None:
        self._storage = host.storage
        self._cache = NamespaceCache(host.storage)
        self._cache.start()

    async def close(self) -> None:
        if self._cache is not None:
            await self._cache.close()

    def handles(self, request: AdmissionRequest) -> bool:
        if _is_namespace(request):
            return request.operation in (Operation.DELETE, Operation.UPDATE)
        return request.operation is Operation.CREATE and bool(request.namespace)

    async def admit(self, request: AdmissionRequest) -> None:
        if _is_namespace(request):
            self._changing(request.name)
            if request.operation is Operation.DELETE and request.name in IMMORTAL_NAMESPACES:
                raise AdmissionDenied("this namespace may not be deleted")
            return
        if self._storage is None:
            return
        namespace = request.namespace
        if self._cached_active(namespace):
            return
        kv = await self._storage.get(keys.object_key("", "namespaces", None, namespace))
        if kv is None:
            raise AdmissionDenied(
                f'namespaces "{namespace}" not found', code=404, reason="NotFound"
            )
        if is_terminating(json.loads(kv.value)):
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

    def _changing(self, namespace: str) -> None:
        """A change to ``namespace`` is being admitted: read it live for a while."""
        now = time.monotonic()
        self._live_until = {n: t for n, t in self._live_until.items() if t > now}
        self._live_until[namespace] = now + LIVE_LOOKUP_SECONDS

    def _cached_active(self, namespace: str) -> bool:
        """Does the cache say the namespace is active, with no recent change to distrust?"""
        if self._cache is None or self._cache.terminating(namespace) is not False:
            return False
        live_until = self._live_until.get(namespace)
        if live_until is None:
            return True
        if time.monotonic() < live_until:
            return False
        del self._live_until[namespace]
        return True


def _is_namespace(request: AdmissionRequest) -> bool:
    return request.resource.group == "" and request.resource.resource == "namespaces"
