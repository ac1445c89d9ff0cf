"""The garbage collector (kube-controller-manager's ``garbage-collector-controller``).

It watches every resource the server serves that can be listed, watched and deleted (events
excepted, as upstream), indexing each object by the uids of its owners, and acts on:

- a dependent whose owners are gone (deleted in the background, or never there): deleted
  once no owner remains (see :mod:`.ownership`);
- an owner deleted in the foreground (``foregroundDeletion`` finalizer): its dependents are
  deleted; when no dependent with ``blockOwnerDeletion`` is left the finalizer is removed;
- an owner deleted with the orphan policy (``orphan`` finalizer): the references to it are
  removed from its dependents, then the finalizer.

Discovery is read again every ``resync`` seconds so new resources are monitored too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from microkube.client.errors import ApiError, ConflictError, NotFoundError
from microkube.client.informer import Informer
from microkube.client.resources import Resource, UnknownResourceError
from microkube.client.store import meta_namespace_key
from microkube.contracts.controller import ControllerContext
from microkube_controllers.common.handlers import unwrap_tombstone
from microkube_controllers.lifecycle.base import LifecycleController, ensure_index
from microkube_controllers.lifecycle.discovery import preferred_resources, supports
from microkube_controllers.lifecycle.garbagecollector.ownership import (
    FOREGROUND,
    ORPHAN,
    OWNER_UID_INDEX,
    OwnerState,
    being_deleted,
    blocks,
    decide,
    deleting_dependents,
    finalizers,
    orphaning,
    owner_references,
    owner_state,
    owner_uids,
)

log = logging.getLogger(__name__)

#: resources the garbage collector never monitors (upstream's ``ignoredResources``)
IGNORED = {("", "events"), ("events.k8s.io", "events")}
DELETE, ORPHAN_WORK = "delete", "orphan"


class InvalidOwnerNamespace(Exception):
    """A cluster-scoped dependent refers to a namespaced owner (never resolvable)."""

    def __init__(self, reference: dict[str, Any]) -> None:
        super().__init__(f"cluster-scoped object refers to namespaced owner {reference}")
        self.reference = reference


class GarbageCollector(LifecycleController):
    name = "garbagecollector"
    component = "garbage-collector-controller"

    def __init__(self, context: ControllerContext, resync: float = 30.0) -> None:
        super().__init__(context)
        self.resync = resync
        #: (apiVersion, plural) -> (resource, informer) of every monitored resource
        self.monitors: dict[tuple[str, str], tuple[Resource, Informer]] = {}
        #: uid -> work key of every object seen (to find an owner of a dependent)
        self._by_uid: dict[str, str] = {}

    # -- monitors -------------------------------------------------------------------------

    async def run(self, workers: int) -> None:
        delay = 0.5
        while True:  # nothing can be collected before the resources are known
            try:
                await self._discover()
                break
            except (ApiError, OSError) as exc:
                log.warning("garbagecollector: discovery failed (%s); retrying", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
        await super().run(workers)

    async def background(self) -> None:
        while True:
            await asyncio.sleep(self.resync)
            try:
                added = await self._discover()
            except (ApiError, OSError) as exc:
                log.warning("garbagecollector: discovery failed: %s", exc)
                continue
            for informer in added:
                informer.start()

    async def _discover(self) -> list[Informer]:
        discovered = await preferred_resources(self.client)
        for failure in discovered.failures:
            log.warning("garbagecollector: cannot monitor %s", failure)
        added = []
        for resource in discovered.resources:
            if (resource.group, resource.plural) in IGNORED:
                continue
            if not supports(resource, "list", "watch", "delete"):
                continue
            if (resource.api_version, resource.plural) in self.monitors:
                continue
            added.append(self._monitor(resource))
        return added

    def _monitor(self, resource: Resource) -> Informer:
        informer = self.informers.informer(resource)
        ensure_index(informer, OWNER_UID_INDEX, owner_uids)
        self.watch(
            informer,
            on_add=lambda obj: self._observed(resource, None, obj),
            on_update=lambda old, new: self._observed(resource, old, new),
            on_delete=lambda obj: self._removed(resource, unwrap_tombstone(obj)),
        )
        self.monitors[(resource.api_version, resource.plural)] = (resource, informer)
        return informer

    # -- events -----------------------------------------------------------------------------

    @staticmethod
    def _work(kind: str, resource: Resource, obj: Any) -> str:
        return f"{kind}|{resource.api_version}|{resource.plural}|{meta_namespace_key(obj)}"

    def _observed(self, resource: Resource, old: dict | None, new: dict) -> None:
        meta = new.get("metadata") or {}
        key = self._work(DELETE, resource, new)
        if meta.get("uid"):
            self._by_uid[meta["uid"]] = key
        references_changed = old is None or owner_references(old) != owner_references(new)
        deletion_changed = old is None or (
            being_deleted(old) != being_deleted(new) or finalizers(old) != finalizers(new)
        )
        if owner_references(new) and (references_changed or deletion_changed):
            self.queue.add(key)
        if orphaning(new):
            self.queue.add(self._work(ORPHAN_WORK, resource, new))
        if deleting_dependents(new) and deletion_changed:
            self.queue.add(key)
            for dependent_key in self._dependent_keys(meta.get("uid")):
                self.queue.add(dependent_key)
        if old is not None and (references_changed or deletion_changed):
            self._wake_foreground_owners(owner_references(old) + owner_references(new))

    def _removed(self, resource: Resource, obj: dict) -> None:
        uid = (obj.get("metadata") or {}).get("uid")
        for dependent_key in self._dependent_keys(uid):
            self.queue.add(dependent_key)
        self._wake_foreground_owners(owner_references(obj))
        if uid:
            self._by_uid.pop(uid, None)

    def _wake_foreground_owners(self, references: list[dict[str, Any]]) -> None:
        """Owners deleting their dependents look again when a dependent changes or goes."""
        for ref in references:
            key = self._by_uid.get(ref.get("uid") or "")
            if key is not None:
                self.queue.add(key)

    def _dependents(self, uid: str | None) -> list[tuple[Resource, dict[str, Any]]]:
        if not uid:
            return []
        found = []
        for resource, informer in list(self.monitors.values()):
            found.extend((resource, obj) for obj in informer.store.by_index(OWNER_UID_INDEX, uid))
        return found

    def _dependent_keys(self, uid: str | None) -> list[str]:
        return [self._work(DELETE, res, obj) for res, obj in self._dependents(uid)]

    # -- work -------------------------------------------------------------------------------

    async def reconcile(self, key: str) -> float | None:
        kind, api_version, plural, object_key = key.split("|", 3)
        monitor = self.monitors.get((api_version, plural))
        if monitor is None:
            return None
        resource, informer = monitor
        obj = informer.store.get(object_key)
        if obj is None:
            return None
        if kind == ORPHAN_WORK:
            await self._orphan_dependents(resource, obj)
        else:
            await self._attempt_to_delete(resource, obj)
        return None

    async def _attempt_to_delete(self, resource: Resource, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        if being_deleted(obj):
            if deleting_dependents(obj):
                await self._finish_foreground(resource, obj)
            return
        references = owner_references(obj)
        if not references:
            return
        try:
            states = [(ref, await self._owner_state(obj, ref)) for ref in references]
        except InvalidOwnerNamespace as invalid:
            # upstream: not collectable, not worth retrying; reported on the dependent
            ref = invalid.reference
            self.recorder.event(
                obj,
                "Warning",
                "OwnerRefInvalidNamespace",
                f"ownerRef [{ref.get('apiVersion')}/{ref.get('kind')}, namespace: , name: "
                f'{ref.get("name")}, uid: {ref.get("uid")}] does not exist in namespace ""',
            )
            return
        dependents = [dep for _, dep in self._dependents(meta["uid"])]
        decision = decide(
            obj,
            states,
            has_dependents=bool(dependents),
            cycle_risk=any(deleting_dependents(dep) for dep in dependents),
        )
        if decision.patch_references:
            await self._patch(resource, obj, {"ownerReferences": list(decision.references) or None})
        if decision.delete:
            log.info(
                "garbagecollector: deleting %s %s (%s)",
                resource.group_resource,
                meta_namespace_key(obj),
                decision.policy,
            )
            try:
                await self.client.delete(
                    resource,
                    meta["name"],
                    meta.get("namespace"),
                    propagation_policy=decision.policy,
                    preconditions={"uid": meta["uid"]},
                )
            except NotFoundError:
                return
            except ConflictError:
                return  # another object of that name now: not ours to delete

    async def _owner_state(self, dependent: dict[str, Any], ref: dict[str, Any]) -> OwnerState:
        """Solid, dangling or waiting: from the cache, else from the API server."""
        try:
            resource = await self._owner_resource(ref)
        except UnknownResourceError:
            raise LookupError(
                f"ownerReference to {ref.get('apiVersion')}/{ref.get('kind')} "
                f"{ref.get('name')}: kind not served (yet); will look again"
            ) from None
        namespace = (dependent.get("metadata") or {}).get("namespace")
        if not resource.namespaced:
            namespace = None
        elif not namespace:
            raise InvalidOwnerNamespace(ref)
        key = f"{namespace}/{ref['name']}" if namespace else ref["name"]
        monitor = self.monitors.get((resource.api_version, resource.plural))
        owner = monitor[1].store.get(key) if monitor else None
        if owner is None or owner["metadata"].get("uid") != ref.get("uid"):
            try:
                owner = await self.client.get(resource, ref["name"], namespace)
            except NotFoundError:
                owner = None
        return owner_state(ref, owner)

    async def _owner_resource(self, ref: dict[str, Any]) -> Resource:
        api_version, kind = ref.get("apiVersion") or "", ref.get("kind") or ""
        found = self.client.resources.find(kind, api_version)
        return found if found is not None else await self.client.resolve(kind, api_version)

    async def _finish_foreground(self, resource: Resource, owner: dict[str, Any]) -> None:
        """Remove ``foregroundDeletion`` once no dependent blocks the owner any more."""
        uid = owner["metadata"]["uid"]
        blocking = [(res, dep) for res, dep in self._dependents(uid) if blocks(dep, uid)]
        if blocking:
            for res, dependent in blocking:
                if not being_deleted(dependent):
                    self.queue.add(self._work(DELETE, res, dependent))
            return
        await self._patch(
            resource, owner, {"finalizers": [f for f in finalizers(owner) if f != FOREGROUND]}
        )

    async def _orphan_dependents(self, resource: Resource, owner: dict[str, Any]) -> None:
        """Remove the references to the owner from its dependents, then ``orphan``."""
        if not orphaning(owner):
            return
        uid = owner["metadata"]["uid"]
        for res, dependent in self._dependents(uid):
            kept = [ref for ref in owner_references(dependent) if ref.get("uid") != uid]
            await self._patch(res, dependent, {"ownerReferences": kept or None})
        await self._patch(
            resource, owner, {"finalizers": [f for f in finalizers(owner) if f != ORPHAN]}
        )

    async def _patch(self, resource: Resource, obj: dict[str, Any], metadata: dict) -> None:
        """A merge patch of ``metadata`` guarded by the object's resourceVersion (a conflict
        raises, and the work is retried on the newer object)."""
        meta = obj["metadata"]
        patch = {"metadata": {**metadata, "resourceVersion": meta["resourceVersion"]}}
        try:
            await self.client.patch(resource, meta["name"], patch, meta.get("namespace"))
        except NotFoundError:
            return
