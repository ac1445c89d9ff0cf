"""Priority: pods get the priority of their PriorityClass, as Kubernetes' Priority admission
plugin (``plugin/pkg/admission/priority``) gives it.

On pod create, ``spec.priorityClassName`` is resolved into ``spec.priority`` and
``spec.preemptionPolicy``; a pod naming no class gets the global default class (or priority 0
and PreemptLowerPriority when there is none); a missing class, or a priority or preemption
policy that disagrees with the class, is 403 Forbidden. On pod update the values set at
creation are kept. A PriorityClass may be ``globalDefault`` only while no other one is, and the
system classes cannot be deleted (upstream's PriorityClass storage refuses that).

Like Kubernetes' plugin it reads the classes from a cache fed by a watch (an informer's
lister); a class the cache does not have yet is looked up in the store, so a pod naming a class
created a moment ago is admitted. Which class is the global default comes from the cache once
it is synced, except for ``LIVE_LOOKUP_SECONDS`` after this server admitted a change to a
default class (kube-apiserver's NamespaceLifecycle does the same for namespaces): then, and
when a class is marked default, the store is read.
"""

from __future__ import annotations

import json
import time
from typing import Any

from microkube.contracts.admission import AdmissionDenied, AdmissionRequest, Operation
from microkube.contracts.storage import Storage
from microkube_apiserver.admission.chain import AdmissionHost
from microkube_apiserver.admission.object_cache import ObjectCache
from microkube_apiserver.store import keys
from microkube_apiserver.system_priority_classes import SYSTEM_PRIORITY_CLASSES

__all__ = [
    "DEFAULT_PREEMPTION_POLICY",
    "LIVE_LOOKUP_SECONDS",
    "PRIORITY_WHEN_NO_DEFAULT",
    "Priority",
]

PRIORITY_WHEN_NO_DEFAULT = 0
#: How long after a default class changed through this server the default is read live.
LIVE_LOOKUP_SECONDS = 30.0
DEFAULT_PREEMPTION_POLICY = "PreemptLowerPriority"
_GROUP = "scheduling.k8s.io"
_PREFIX = keys.prefix(_GROUP, "priorityclasses", None)


class Priority:
    name = "Priority"

    def __init__(self) -> None:
        self._storage: Storage | None = None
        self._cache: ObjectCache | None = None
        self._live_until = 0.0

    def bind_host(self, host: AdmissionHost) -> None:
        self._storage = host.storage
        self._cache = ObjectCache(host.storage, _PREFIX)
        self._cache.start()

    async def close(self) -> None:
        if self._cache is not None:
            await self._cache.close()

    def handles(self, request: AdmissionRequest) -> bool:
        if request.subresource:
            return False
        if request.operation is Operation.DELETE:
            return _is(request, _GROUP, "priorityclasses")
        return (
            request.operation in (Operation.CREATE, Operation.UPDATE)
            and request.object is not None
            and (_is(request, "", "pods") or _is(request, _GROUP, "priorityclasses"))
        )

    async def admit(self, request: AdmissionRequest) -> None:
        if request.operation is Operation.DELETE:
            if request.name in SYSTEM_PRIORITY_CLASSES:
                raise AdmissionDenied("this is a system priority class and cannot be deleted")
            if (request.old_object or {}).get("globalDefault"):
                self._default_changing()
            return
        if not _is(request, "", "pods") or request.object is None:
            return
        spec = request.object.setdefault("spec", {})
        if request.operation is Operation.UPDATE:
            old_spec = (request.old_object or {}).get("spec") or {}
            for key in ("priority", "preemptionPolicy"):
                if spec.get(key) is None and old_spec.get(key) is not None:
                    spec[key] = old_spec[key]
            return
        class_name = spec.get("priorityClassName") or ""
        if class_name:
            found = await self._class(class_name)
            if found is None:
                raise AdmissionDenied(f"no PriorityClass with name {class_name} was found")
            priority = int(found.get("value") or 0)
            policy = found.get("preemptionPolicy")
        else:
            default = await self._default_class()
            if default is None:
                priority, policy = PRIORITY_WHEN_NO_DEFAULT, DEFAULT_PREEMPTION_POLICY
            else:
                spec["priorityClassName"] = default["metadata"]["name"]
                priority = int(default.get("value") or 0)
                policy = default.get("preemptionPolicy")
        given = spec.get("priority")
        if given is not None and given != priority:
            raise AdmissionDenied(
                f"the integer value of priority ({given}) must not be provided in pod spec; "
                f"priority admission controller computed {priority} from the given "
                "PriorityClass name"
            )
        spec["priority"] = priority
        if policy is not None:
            given_policy = spec.get("preemptionPolicy")
            if given_policy is not None and given_policy != policy:
                raise AdmissionDenied(
                    f"the string value of PreemptionPolicy ({given_policy}) must not be provided "
                    f"in pod spec; priority admission controller computed {policy} from the "
                    "given PriorityClass name"
                )
            spec["preemptionPolicy"] = policy

    async def validate(self, request: AdmissionRequest) -> None:
        obj = request.object
        if not _is(request, _GROUP, "priorityclasses") or obj is None:
            return
        if obj.get("globalDefault") or (request.old_object or {}).get("globalDefault"):
            self._default_changing()
        if not obj.get("globalDefault"):
            return
        default = await self._default_class(live=True)
        if default is None:
            return
        name = default["metadata"]["name"]
        if request.operation is Operation.CREATE or name != request.name:
            raise AdmissionDenied(
                f"PriorityClass {name} is already marked as default. Only one default can exist"
            )

    async def _class(self, name: str) -> dict[str, Any] | None:
        cached = self._cache.get(name) if self._cache is not None else None
        if cached is not None:
            return cached
        if self._storage is None:
            return None
        kv = await self._storage.get(keys.object_key(_GROUP, "priorityclasses", None, name))
        return None if kv is None else json.loads(kv.value)

    def _default_changing(self) -> None:
        """A default class is being made, changed or removed: read the default live a while."""
        self._live_until = time.monotonic() + LIVE_LOOKUP_SECONDS

    async def _default_class(self, *, live: bool = False) -> dict[str, Any] | None:
        """The global default class; with several (a race), the lowest value, as upstream."""
        trusted = not live and time.monotonic() >= self._live_until
        if trusted and self._cache is not None and self._cache.synced:
            return _lowest_default(self._cache.values())
        if self._storage is None:
            return None
        found: list[dict[str, Any]] = []
        start_after: str | None = None
        while True:
            page = await self._storage.range(_PREFIX, start_after=start_after, limit=500)
            for kv in page.items:
                start_after = kv.key
                found.append(json.loads(kv.value))
            if not page.more:
                return _lowest_default(found)


def _lowest_default(classes: list[dict[str, Any]]) -> dict[str, Any] | None:
    defaults = [c for c in classes if c.get("globalDefault")]
    return min(defaults, key=lambda c: int(c.get("value") or 0), default=None)


def _is(request: AdmissionRequest, group: str, plural: str) -> bool:
    return request.resource.group == group and request.resource.resource == plural
