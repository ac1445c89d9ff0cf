"""The Deployment controller's writes to ReplicaSets and to the Deployment itself: finding or
creating the new ReplicaSet (named by the template hash, with hash collisions counted in
``status.collisionCount``), scaling ReplicaSets with ``ScalingReplicaSet`` events, pruning old
ones beyond ``revisionHistoryLimit``, and writing the Deployment's status and revision.

Every ReplicaSet write carries the resourceVersion the decision was based on, so a decision
taken from a stale cache fails with a conflict and is retried, never applied.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Mapping
from typing import Any

from microkube.client.errors import AlreadyExistsError, ApiError, NotFoundError
from microkube.client.events import NORMAL, WARNING, EventRecorder
from microkube.client.store import Store
from microkube_controllers.common.conditions import get_condition, new_condition, set_condition
from microkube_controllers.common.hashing import compute_hash
from microkube_controllers.common.ownerrefs import get_controller_of, new_controller_ref
from microkube_controllers.workloads import deployment_status as st
from microkube_controllers.workloads import deployment_util as util
from microkube_controllers.workloads.deployment_annotations import (
    set_new_replica_set_annotations,
    set_replicas_annotations,
)

__all__ = ["API_VERSION", "KIND", "RS_KIND", "DeploymentReplicaSets", "object_key", "typed"]

KIND = "Deployment"
API_VERSION = "apps/v1"
RS_KIND = "ReplicaSet"
SCALING = "ScalingReplicaSet"

RS = dict[str, Any]


def typed(deployment: Mapping[str, Any]) -> dict[str, Any]:
    """The Deployment with kind/apiVersion (list items lack them), for events."""
    return {**deployment, "kind": KIND, "apiVersion": API_VERSION}


def object_key(obj: Mapping[str, Any]) -> str:
    meta = obj["metadata"]
    return f"{meta.get('namespace')}/{meta['name']}"


class DeploymentReplicaSets:
    """Mixin of the Deployment controller: its API writes."""

    client: Any
    recorder: EventRecorder
    rs_store: Store

    # -- status writes ------------------------------------------------------------------

    async def _write_status(self, d: dict[str, Any], status: dict[str, Any]) -> None:
        """Replace the Deployment's status (a stale resourceVersion fails and is retried)."""
        body = {**d, "status": status}
        try:
            updated = await self.client.replace_status(
                "deployments", body, d["metadata"]["namespace"]
            )
        except NotFoundError:
            return
        d["metadata"] = updated["metadata"]
        d["status"] = updated.get("status") or {}

    async def _set_revision(self, d: dict[str, Any], revision: str) -> None:
        """Record ``revision`` in the Deployment's annotation (a metadata patch)."""
        current = (d["metadata"].get("annotations") or {}).get(util.REVISION_ANNOTATION)
        if current == revision:
            return
        patch = {"metadata": {"annotations": {util.REVISION_ANNOTATION: revision}}}
        try:
            updated = await self.client.patch(
                "deployments", d["metadata"]["name"], patch, d["metadata"]["namespace"]
            )
        except NotFoundError:
            return
        d["metadata"] = updated["metadata"]

    # -- the new ReplicaSet ---------------------------------------------------------------

    async def _all_replica_sets(
        self, d: dict[str, Any], rs_list: list[RS], create: bool
    ) -> tuple[RS | None, list[RS]]:
        """``(new, old)`` ReplicaSets, syncing revisions (``getAllReplicaSetsAndSyncRevision``)."""
        _, old = util.find_old_replica_sets(d, rs_list)
        new = await self._new_replica_set(d, rs_list, old, create)
        return new, old

    async def _new_replica_set(
        self, d: dict[str, Any], rs_list: list[RS], old: list[RS], create: bool
    ) -> RS | None:
        existing = util.find_new_replica_set(d, rs_list)
        new_revision = str(util.max_revision(old) + 1)
        if existing is not None:
            return await self._sync_existing_new_rs(d, existing, new_revision)
        if not create:
            return None
        return await self._create_new_rs(d, old, new_revision)

    async def _sync_existing_new_rs(self, d: dict[str, Any], rs: RS, new_revision: str) -> RS:
        rs = copy.deepcopy(rs)
        changed = set_new_replica_set_annotations(d, rs, new_revision, exists=True)
        min_ready = int(d["spec"].get("minReadySeconds") or 0)
        if changed or int(rs["spec"].get("minReadySeconds") or 0) != min_ready:
            rs["spec"]["minReadySeconds"] = min_ready
            return await self.client.replace("replicasets", rs, rs["metadata"]["namespace"])
        await self._set_revision(d, util.annotations(rs).get(util.REVISION_ANNOTATION, ""))
        condition = get_condition((d.get("status") or {}).get("conditions"), st.PROGRESSING)
        if util.has_progress_deadline(d) and condition is None:
            found = new_condition(
                st.PROGRESSING,
                "True",
                st.FOUND_NEW_RS_REASON,
                f'Found new replica set "{rs["metadata"]["name"]}"',
            )
            status = dict(d.get("status") or {})
            status["conditions"] = set_condition(status.get("conditions"), found)
            await self._write_status(d, status)
        return rs

    async def _create_new_rs(self, d: dict[str, Any], old: list[RS], new_revision: str) -> RS:
        spec = d["spec"]
        namespace = d["metadata"]["namespace"]
        collision_count = (d.get("status") or {}).get("collisionCount")
        template = copy.deepcopy(spec.get("template") or {})
        pod_hash = compute_hash(template, collision_count)
        template.setdefault("metadata", {})
        template["metadata"]["labels"] = {
            **(template["metadata"].get("labels") or {}),
            util.DEFAULT_UNIQUE_LABEL: pod_hash,
        }
        selector = copy.deepcopy(spec["selector"])
        selector["matchLabels"] = {
            **(selector.get("matchLabels") or {}),
            util.DEFAULT_UNIQUE_LABEL: pod_hash,
        }
        name = f"{d['metadata']['name']}-{pod_hash}"
        new_rs: RS = {
            "apiVersion": API_VERSION,
            "kind": RS_KIND,
            "metadata": {
                "name": name,
                "namespace": namespace,
                "ownerReferences": [new_controller_ref(d, API_VERSION, KIND)],
                "labels": dict(template["metadata"]["labels"]),
            },
            "spec": {
                "replicas": 0,
                "minReadySeconds": int(spec.get("minReadySeconds") or 0),
                "selector": selector,
                "template": template,
            },
        }
        count = util.new_rs_new_replicas(d, [*old, new_rs], new_rs)
        new_rs["spec"]["replicas"] = count
        set_new_replica_set_annotations(d, new_rs, new_revision, exists=False)
        already_exists = False
        try:
            created = await self.client.create("replicasets", new_rs, namespace)
        except AlreadyExistsError:
            already_exists = True
            created = await self._existing_or_collision(d, name)
        except ApiError as exc:
            causes = exc.details.get("causes") or []
            if any(c.get("reason") == "NamespaceTerminating" for c in causes):
                raise
            message = f'Failed to create new replica set "{name}": {exc}'
            if util.has_progress_deadline(d):
                failed = new_condition(st.PROGRESSING, "False", st.FAILED_RS_CREATE_REASON, message)
                status = dict(d.get("status") or {})
                status["conditions"] = set_condition(status.get("conditions"), failed)
                with contextlib.suppress(ApiError):  # the failure to create matters more
                    await self._write_status(d, status)
            self.recorder.event(typed(d), WARNING, st.FAILED_RS_CREATE_REASON, message)
            raise
        if not already_exists and count > 0:
            self.recorder.event(
                typed(d),
                NORMAL,
                SCALING,
                f"Scaled up replica set {created['metadata']['name']} from 0 to {count}",
            )
        await self._set_revision(d, new_revision)
        if not already_exists and util.has_progress_deadline(d):
            condition = new_condition(
                st.PROGRESSING,
                "True",
                st.NEW_RS_REASON,
                f'Created new replica set "{created["metadata"]["name"]}"',
            )
            status = dict(d.get("status") or {})
            status["conditions"] = set_condition(status.get("conditions"), condition)
            await self._write_status(d, status)
        return created

    async def _existing_or_collision(self, d: dict[str, Any], name: str) -> RS:
        """After AlreadyExists: the ReplicaSet is ours (a slow cache), or a hash collision —
        then ``collisionCount`` is raised and the sync retried."""
        namespace = d["metadata"]["namespace"]
        rs = self.rs_store.get(f"{namespace}/{name}")
        if rs is None:
            rs = await self.client.get("replicasets", name, namespace)
        ref = get_controller_of(rs)
        template = (rs.get("spec") or {}).get("template")
        if (
            ref
            and ref.get("uid") == d["metadata"].get("uid")
            and util.equal_ignore_hash(d["spec"].get("template"), template)
        ):
            return dict(rs)
        status = dict(d.get("status") or {})
        status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
        await self._write_status(d, status)
        raise RuntimeError(
            f"replica set {namespace}/{name} exists with another template: "
            f"hash collision, collisionCount is now {status['collisionCount']}"
        )

    # -- scaling ReplicaSets ----------------------------------------------------------------

    async def _scale_rs(
        self, rs: RS, new_scale: int, d: dict[str, Any], operation: str
    ) -> tuple[bool, RS]:
        """Set a ReplicaSet's replicas (and replica annotations); ``ScalingReplicaSet``."""
        desired = util.replicas(d)
        most = desired + util.max_surge(d)
        size_changed = util.replicas(rs) != new_scale
        if not size_changed and not util.replicas_annotations_need_update(rs, desired, most):
            return False, rs
        old_scale = util.replicas(rs)
        body = copy.deepcopy(rs)
        body["spec"]["replicas"] = new_scale
        set_replicas_annotations(body, desired, most)
        updated = await self.client.replace("replicasets", body, rs["metadata"]["namespace"])
        if size_changed:
            self.recorder.event(
                typed(d),
                NORMAL,
                SCALING,
                f"Scaled {operation} replica set {updated['metadata']['name']} "
                f"from {old_scale} to {new_scale}",
            )
        return size_changed, updated

    async def _scale_rs_and_record(
        self, rs: RS, new_scale: int, d: dict[str, Any]
    ) -> tuple[bool, RS]:
        if util.replicas(rs) == new_scale:
            return False, rs
        operation = "up" if util.replicas(rs) < new_scale else "down"
        return await self._scale_rs(rs, new_scale, d, operation)

    async def _cleanup(self, d: dict[str, Any], old: list[RS]) -> None:
        """Delete the oldest unused ReplicaSets beyond ``revisionHistoryLimit``."""
        limit = d["spec"].get("revisionHistoryLimit")
        if limit is None:
            return
        alive = [rs for rs in old if not rs["metadata"].get("deletionTimestamp")]
        diff = len(alive) - int(limit)
        if diff <= 0:
            return
        alive.sort(key=lambda rs: (util.revision(rs), util.by_creation(rs)))
        for rs in alive[:diff]:
            status = rs.get("status") or {}
            if (
                int(status.get("replicas") or 0) != 0
                or util.replicas(rs) != 0
                or int(rs["metadata"].get("generation") or 0)
                > int(status.get("observedGeneration") or 0)
            ):
                continue
            try:
                await self.client.delete(
                    "replicasets", rs["metadata"]["name"], rs["metadata"]["namespace"]
                )
            except NotFoundError:
                continue
