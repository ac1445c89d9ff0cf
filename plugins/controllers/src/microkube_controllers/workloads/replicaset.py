"""The ReplicaSet controller, as kube-controller-manager's (``pkg/controller/replicaset``).

Each sync of a ReplicaSet: claim the active pods (adopt matching orphans, release owned pods
that stopped matching), and — only when the expectations of its previous sync have been
observed — create the missing pods (slow-start batches, at most 500 per sync) or delete the
surplus ones (the least valuable first: unscheduled, pending, not ready, ...); then write the
status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration,
and the ReplicaFailure condition when creating or deleting failed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from microkube.client.errors import ApiError, NotFoundError
from microkube.client.store import split_key
from microkube.contracts.controller import ControllerContext
from microkube.selectors import SelectorError, label_selector_matcher
from microkube_controllers.common.base import QueueController
from microkube_controllers.common.batch import slow_start_batch
from microkube_controllers.common.expectations import UIDTrackingExpectations
from microkube_controllers.common.handlers import unwrap_tombstone
from microkube_controllers.common.ownerrefs import (
    CONTROLLER_UID_INDEX,
    ORPHAN_INDEX,
    add_controller_uid_index,
    add_orphan_index,
    get_controller_of,
    new_controller_ref,
)
from microkube_controllers.common.podcontrol import PodControl
from microkube_controllers.common.pods import (
    is_pod_active,
    is_pod_ready,
    pod_key,
    rank_pods_for_deletion,
)
from microkube_controllers.common.refmanager import ControllerRefManager, owner_recheck
from microkube_controllers.common.selecting import owners_selecting
from microkube_controllers.common.timeutil import now
from microkube_controllers.workloads.replicaset_status import calculate_status, status_changed

__all__ = ["BURST_REPLICAS", "ReplicaSetController"]

log = logging.getLogger(__name__)

#: Upstream ``BurstReplicas``: at most this many pods created or deleted per sync.
BURST_REPLICAS = 500

KIND = "ReplicaSet"
API_VERSION = "apps/v1"


def _typed(rs: Mapping[str, Any]) -> dict[str, Any]:
    """The ReplicaSet with kind/apiVersion (list items lack them), for events."""
    return {**rs, "kind": KIND, "apiVersion": API_VERSION}


def _namespace_terminating(exc: BaseException) -> bool:
    if not isinstance(exc, ApiError):
        return False
    causes = exc.details.get("causes") or []
    return any(c.get("reason") == "NamespaceTerminating" for c in causes)


class ReplicaSetController(QueueController):
    """Keeps ``spec.replicas`` pods of each ReplicaSet running."""

    name = "replicaset"
    component = "replicaset-controller"

    def __init__(self, context: ControllerContext, *, burst_replicas: int = BURST_REPLICAS) -> None:
        super().__init__(context)
        self.burst_replicas = burst_replicas
        self.expectations = UIDTrackingExpectations()
        self.pod_control = PodControl(self.client, self.recorder)
        rs_informer = self.informers.informer("replicasets")
        add_controller_uid_index(rs_informer)
        self.rs_store = self.watch(
            rs_informer,
            on_add=self.enqueue,
            on_update=self._rs_updated,
            on_delete=self._rs_deleted,
        ).store
        pod_informer = self.informers.informer("pods")
        add_controller_uid_index(pod_informer)
        add_orphan_index(pod_informer)
        self.pod_store = self.watch(
            pod_informer,
            on_add=self._pod_added,
            on_update=self._pod_updated,
            on_delete=self._pod_deleted,
        ).store

    # -- event handlers -----------------------------------------------------------------

    def _rs_updated(self, old: Mapping[str, Any], cur: Mapping[str, Any]) -> None:
        if old["metadata"].get("uid") != cur["metadata"].get("uid"):
            self._rs_deleted(old)
        self.enqueue(cur)

    def _rs_deleted(self, obj: Any) -> None:
        rs = unwrap_tombstone(obj)
        key = f"{rs['metadata'].get('namespace')}/{rs['metadata']['name']}"
        self.expectations.delete_expectations(key)
        self.queue.add(key)

    def _resolve(self, namespace: str, ref: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The ReplicaSet a controller reference points at, if it is in the cache (same UID)."""
        if not ref or ref.get("kind") != KIND:
            return None
        rs = self.rs_store.get(f"{namespace}/{ref.get('name')}")
        if rs is None or rs["metadata"].get("uid") != ref.get("uid"):
            return None
        return rs

    def _replica_sets_for_pod(self, pod: Mapping[str, Any]) -> list[dict[str, Any]]:
        """ReplicaSets in the pod's namespace whose (non-empty) selector matches it."""
        return owners_selecting(self.rs_store, pod)

    def _pod_added(self, pod: Mapping[str, Any]) -> None:
        meta = pod["metadata"]
        if meta.get("deletionTimestamp"):
            # A restarted manager may see a pod already being deleted: count it as deleted.
            self._pod_deleted(pod)
            return
        ref = get_controller_of(pod)
        if ref is not None:
            rs = self._resolve(meta.get("namespace", ""), ref)
            if rs is None:
                return
            key = f"{meta.get('namespace')}/{rs['metadata']['name']}"
            self.expectations.creation_observed(key)
            self.queue.add(key)
            return
        for rs in self._replica_sets_for_pod(pod):
            self.enqueue(rs)

    def _pod_updated(self, old: Mapping[str, Any], cur: Mapping[str, Any]) -> None:
        old_meta, cur_meta = old["metadata"], cur["metadata"]
        if old_meta.get("resourceVersion") == cur_meta.get("resourceVersion"):
            return
        labels_changed = old_meta.get("labels") != cur_meta.get("labels")
        if cur_meta.get("deletionTimestamp"):
            self._pod_deleted(cur)
            if labels_changed:
                self._pod_deleted(old)
            return
        namespace = cur_meta.get("namespace", "")
        cur_ref, old_ref = get_controller_of(cur), get_controller_of(old)
        ref_changed = cur_ref != old_ref
        if ref_changed and old_ref is not None:
            rs = self._resolve(namespace, old_ref)
            if rs is not None:
                self.enqueue(rs)
        if cur_ref is not None:
            rs = self._resolve(namespace, cur_ref)
            if rs is None:
                return
            self.enqueue(rs)
            min_ready = int((rs.get("spec") or {}).get("minReadySeconds") or 0)
            if min_ready > 0 and not is_pod_ready(old) and is_pod_ready(cur):
                self.enqueue_after(rs, min_ready + 1)
            return
        if labels_changed or ref_changed:
            for rs in self._replica_sets_for_pod(cur):
                self.enqueue(rs)

    def _pod_deleted(self, obj: Any) -> None:
        pod = unwrap_tombstone(obj)
        ref = get_controller_of(pod)
        if ref is None:
            return
        rs = self._resolve(pod["metadata"].get("namespace", ""), ref)
        if rs is None:
            return
        key = f"{pod['metadata'].get('namespace')}/{rs['metadata']['name']}"
        self.expectations.deletion_observed(key, pod_key(pod))
        self.queue.add(key)

    # -- sync -----------------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        namespace, _name = split_key(key)
        needs_sync = self.expectations.satisfied(key)
        rs = self.rs_store.get(key)
        if rs is None:
            self.expectations.delete_expectations(key)
            return
        try:
            matcher = label_selector_matcher((rs.get("spec") or {}).get("selector"))
        except SelectorError as exc:
            log.warning("replicaset %s has an invalid selector: %s", key, exc)
            return
        uid = rs["metadata"].get("uid")
        candidates = {
            pod_key(p): p
            for p in [
                *self.pod_store.by_index(CONTROLLER_UID_INDEX, uid),
                *self.pod_store.by_index(ORPHAN_INDEX, namespace or ""),
            ]
            if is_pod_active(p)
        }
        manager = ControllerRefManager(
            self.client,
            rs,
            new_controller_ref(rs, API_VERSION, KIND),
            matcher,
            can_adopt=owner_recheck(self.client, "replicasets", rs),
        )
        pods, errors = await manager.claim(candidates.values())
        if errors:
            raise errors[0]
        manage_error: Exception | None = None
        if needs_sync and not rs["metadata"].get("deletionTimestamp"):
            try:
                await self._manage_replicas(key, pods, rs)
            except Exception as exc:  # reported in the status, then retried
                manage_error = exc
        status = calculate_status(rs, pods, manage_error, now())
        updated = await self._update_status(rs, status)
        spec = updated.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        new_status = updated.get("status") or {}
        replicas = int(spec.get("replicas", 1))
        if (
            manage_error is None
            and min_ready > 0
            and int(new_status.get("readyReplicas") or 0) == replicas
            and int(new_status.get("availableReplicas") or 0) != replicas
        ):
            self.queue.add_after(key, min_ready)
        if manage_error is not None:
            raise manage_error

    async def _manage_replicas(
        self, key: str, pods: list[Mapping[str, Any]], rs: Mapping[str, Any]
    ) -> None:
        spec = rs.get("spec") or {}
        namespace = rs["metadata"].get("namespace", "")
        diff = len(pods) - int(spec.get("replicas", 1))
        if diff < 0:
            count = min(-diff, self.burst_replicas)
            self.expectations.expect_creations(key, count)
            ref = new_controller_ref(rs, API_VERSION, KIND)
            owner = _typed(rs)
            template = spec.get("template") or {}

            async def create() -> None:
                try:
                    await self.pod_control.create_pod(namespace, template, owner, ref)
                except ApiError as exc:
                    if _namespace_terminating(exc):
                        return  # the namespace is going away: nothing to retry
                    raise

            successes, error = await slow_start_batch(count, create)
            for _ in range(count - successes):
                # Creations that never happened will never be observed.
                self.expectations.creation_observed(key)
            if error is not None:
                raise error
        elif diff > 0:
            count = min(diff, self.burst_replicas)
            related = self._related_pods(rs)
            doomed = rank_pods_for_deletion(pods, related)[:count] if count < len(pods) else pods
            self.expectations.expect_deletions(key, [pod_key(p) for p in doomed])
            owner = _typed(rs)

            async def delete(pod: Mapping[str, Any]) -> None:
                try:
                    await self.pod_control.delete_pod(namespace, pod["metadata"]["name"], owner)
                except Exception as exc:
                    self.expectations.deletion_observed(key, pod_key(pod))
                    if not isinstance(exc, NotFoundError):
                        raise

            results = await asyncio.gather(*(delete(p) for p in doomed), return_exceptions=True)
            for result in results:
                if isinstance(result, asyncio.CancelledError):
                    raise result
            failures = [r for r in results if isinstance(r, Exception)]
            if failures:
                raise failures[0]

    def _related_pods(self, rs: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Active pods of every ReplicaSet with the same controller (a Deployment's)."""
        ref = get_controller_of(rs)
        if ref is None:
            return []
        siblings = self.rs_store.by_index(CONTROLLER_UID_INDEX, ref.get("uid", ""))
        related: list[dict[str, Any]] = []
        for sibling in siblings:
            owned = self.pod_store.by_index(
                CONTROLLER_UID_INDEX, sibling["metadata"].get("uid", "")
            )
            related.extend(p for p in owned if is_pod_active(p))
        return related

    async def _update_status(self, rs: Mapping[str, Any], status: dict[str, Any]) -> dict[str, Any]:
        """Write ``status`` with ``observedGeneration``; the ReplicaSet as stored after."""
        if not status_changed(rs, status):
            return dict(rs)
        meta = rs["metadata"]
        body = {**status, "observedGeneration": meta.get("generation")}
        if "conditions" not in status and (rs.get("status") or {}).get("conditions"):
            body["conditions"] = None
        try:
            return await self.client.patch_status(
                "replicasets", meta["name"], {"status": body}, meta.get("namespace")
            )
        except NotFoundError:
            return dict(rs)
