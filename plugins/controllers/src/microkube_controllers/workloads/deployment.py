"""The Deployment controller, as kube-controller-manager's (``pkg/controller/deployment``).

A Deployment owns ReplicaSets, one per pod template it has had: the *new* one (named
``<deployment>-<pod-template-hash>``, its pods labelled with the hash) and *old* ones. Each
sync claims the ReplicaSets matching the selector, then, in upstream's order: a deleted
Deployment only gets its status; a paused one, or a change of ``replicas`` (a scaling event),
is scaled proportionally across its ReplicaSets without rolling; otherwise the strategy rolls
out: ``RollingUpdate`` scales the new ReplicaSet up within ``replicas + maxSurge`` pods and the
old ones down keeping ``replicas - maxUnavailable`` available, ``Recreate`` scales the old
ones to zero, waits for their pods to go, then scales the new one up. Finished rollouts prune
old ReplicaSets beyond ``revisionHistoryLimit``. Revisions live in the
``deployment.kubernetes.io/revision`` annotation of the ReplicaSets and the Deployment.

The writes live in :mod:`.deployment_replicasets`, the scaling and strategies in
:mod:`.deployment_rollout`; this module holds the event handlers and the sync's dispatch.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import Any

from microkube.client.events import WARNING
from microkube.contracts.controller import ControllerContext
from microkube.selectors import label_selector_matcher
from microkube_controllers.common.base import QueueController
from microkube_controllers.common.handlers import unwrap_tombstone
from microkube_controllers.common.ownerrefs import (
    CONTROLLER_UID_INDEX,
    ORPHAN_INDEX,
    add_controller_uid_index,
    add_orphan_index,
    get_controller_of,
    new_controller_ref,
)
from microkube_controllers.common.refmanager import ControllerRefManager, owner_recheck
from microkube_controllers.common.selecting import owners_selecting
from microkube_controllers.workloads.deployment_replicasets import (
    API_VERSION,
    KIND,
    RS,
    RS_KIND,
    object_key,
    typed,
)
from microkube_controllers.workloads.deployment_rollout import DeploymentRollout

__all__ = ["DeploymentController"]

log = logging.getLogger(__name__)

#: Upstream ``maxRetries``: a Deployment failing this often is dropped until its next change.
MAX_RETRIES = 15


class DeploymentController(DeploymentRollout, QueueController):
    """Rolls Deployments out through their ReplicaSets."""

    name = "deployment"
    component = "deployment-controller"

    def __init__(self, context: ControllerContext) -> None:
        super().__init__(context, max_retries=MAX_RETRIES)
        self.d_store = self.watch(
            self.informers.informer("deployments"),
            on_add=self.enqueue,
            on_update=lambda old, new: self.enqueue(new),
            on_delete=self.enqueue,
        ).store
        rs_informer = self.informers.informer("replicasets")
        add_controller_uid_index(rs_informer)
        add_orphan_index(rs_informer)
        self.rs_store = self.watch(
            rs_informer,
            on_add=self._rs_added,
            on_update=self._rs_updated,
            on_delete=self._rs_deleted,
        ).store
        pod_informer = self.informers.informer("pods")
        add_controller_uid_index(pod_informer)
        self.pod_store = self.watch(pod_informer, on_delete=self._pod_deleted).store

    # -- event handlers -------------------------------------------------------------------

    def _resolve(self, namespace: str, ref: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if not ref or ref.get("kind") != KIND:
            return None
        deployment = self.d_store.get(f"{namespace}/{ref.get('name')}")
        if deployment is None or deployment["metadata"].get("uid") != ref.get("uid"):
            return None
        return deployment

    def _deployments_for(self, rs: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Deployments whose selector matches an orphan ReplicaSet's labels."""
        return owners_selecting(self.d_store, rs)

    def _rs_added(self, rs: Mapping[str, Any]) -> None:
        if rs["metadata"].get("deletionTimestamp"):
            self._rs_deleted(rs)
            return
        ref = get_controller_of(rs)
        if ref is not None:
            deployment = self._resolve(rs["metadata"].get("namespace", ""), ref)
            if deployment is not None:
                self.enqueue(deployment)
            return
        for deployment in self._deployments_for(rs):
            self.enqueue(deployment)

    def _rs_updated(self, old: Mapping[str, Any], cur: Mapping[str, Any]) -> None:
        if old["metadata"].get("resourceVersion") == cur["metadata"].get("resourceVersion"):
            return
        namespace = cur["metadata"].get("namespace", "")
        cur_ref, old_ref = get_controller_of(cur), get_controller_of(old)
        ref_changed = cur_ref != old_ref
        if ref_changed and old_ref is not None:
            deployment = self._resolve(namespace, old_ref)
            if deployment is not None:
                self.enqueue(deployment)
        if cur_ref is not None:
            deployment = self._resolve(namespace, cur_ref)
            if deployment is not None:
                self.enqueue(deployment)
            return
        labels_changed = old["metadata"].get("labels") != cur["metadata"].get("labels")
        if labels_changed or ref_changed:
            for deployment in self._deployments_for(cur):
                self.enqueue(deployment)

    def _rs_deleted(self, obj: Any) -> None:
        rs = unwrap_tombstone(obj)
        deployment = self._resolve(rs["metadata"].get("namespace", ""), get_controller_of(rs))
        if deployment is not None:
            self.enqueue(deployment)

    def _pod_deleted(self, obj: Any) -> None:
        """A Recreate rollout waits for the old pods to go: look again when one goes."""
        pod = unwrap_tombstone(obj)
        namespace = pod["metadata"].get("namespace", "")
        ref = get_controller_of(pod)
        if ref is None or ref.get("kind") != RS_KIND:
            return
        rs = self.rs_store.get(f"{namespace}/{ref.get('name')}")
        if rs is None or rs["metadata"].get("uid") != ref.get("uid"):
            return
        deployment = self._resolve(namespace, get_controller_of(rs))
        if deployment is None:
            return
        strategy = ((deployment.get("spec") or {}).get("strategy") or {}).get("type")
        if strategy == "Recreate":
            self.enqueue(deployment)

    # -- sync ---------------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        cached = self.d_store.get(key)
        if cached is None:
            return
        d = copy.deepcopy(cached)
        spec = d.get("spec") or {}
        selector = spec.get("selector")
        if not selector or not (selector.get("matchLabels") or selector.get("matchExpressions")):
            self.recorder.event(
                typed(d),
                WARNING,
                "SelectingAll",
                "This deployment is selecting all pods. A non-empty selector is required.",
            )
            status = d.get("status") or {}
            if int(status.get("observedGeneration") or 0) < int(
                d["metadata"].get("generation") or 0
            ):
                await self._write_status(
                    d, {**status, "observedGeneration": d["metadata"]["generation"]}
                )
            return
        rs_list = await self._claim_replica_sets(d)
        if d["metadata"].get("deletionTimestamp"):
            await self._sync_status_only(d, rs_list)
            return
        await self._check_paused_conditions(d)
        if spec.get("paused"):
            await self._sync(d, rs_list)
            return
        if await self._is_scaling_event(d, rs_list):
            await self._sync(d, rs_list)
            return
        strategy = (spec.get("strategy") or {}).get("type", "RollingUpdate")
        if strategy == "Recreate":
            await self._rollout_recreate(d, rs_list)
        else:
            await self._rollout_rolling(d, rs_list)

    async def _claim_replica_sets(self, d: dict[str, Any]) -> list[RS]:
        namespace = d["metadata"].get("namespace", "")
        matcher = label_selector_matcher(d["spec"]["selector"])
        candidates = {
            object_key(rs): rs
            for rs in [
                *self.rs_store.by_index(CONTROLLER_UID_INDEX, d["metadata"].get("uid", "")),
                *self.rs_store.by_index(ORPHAN_INDEX, namespace),
            ]
        }
        manager = ControllerRefManager(
            self.client,
            d,
            new_controller_ref(d, API_VERSION, KIND),
            matcher,
            resource="replicasets",
            can_adopt=owner_recheck(self.client, "deployments", d),
        )
        claimed, errors = await manager.claim(candidates.values())
        if errors:
            raise errors[0]
        return [dict(rs) for rs in claimed]
