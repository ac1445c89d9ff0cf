"""The annotations a Deployment keeps on its ReplicaSets (upstream
``SetNewReplicaSetAnnotations`` and ``SetReplicasAnnotations``).

- ``deployment.kubernetes.io/revision``: the rollout number; the new ReplicaSet's is the
  highest. Rolling back to an old ReplicaSet gives it a new revision and appends its former
  one to ``deployment.kubernetes.io/revision-history`` (at most 2000 characters).
- ``desired-replicas`` / ``max-replicas``: the Deployment's ``replicas`` and
  ``replicas + maxSurge`` when the ReplicaSet was last scaled, which proportional scaling reads.
- The Deployment's own annotations (``kubernetes.io/change-cause`` ...) are copied, except the
  ones above and ``kubectl.kubernetes.io/last-applied-configuration``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from microkube_controllers.workloads import deployment_util as util

__all__ = ["set_new_replica_set_annotations", "set_replicas_annotations"]

log = logging.getLogger(__name__)


def _annotations(obj: dict[str, Any]) -> dict[str, str]:
    meta = obj.setdefault("metadata", {})
    if meta.get("annotations") is None:
        meta["annotations"] = {}
    return meta["annotations"]


def copy_deployment_annotations(deployment: Mapping[str, Any], rs: dict[str, Any]) -> bool:
    """Copy the Deployment's annotations onto ``rs``; whether anything changed."""
    target = _annotations(rs)
    changed = False
    for key, value in util.annotations(deployment).items():
        if key in util.ANNOTATIONS_TO_SKIP or target.get(key) == value:
            continue
        target[key] = value
        changed = True
    return changed


def set_replicas_annotations(rs: dict[str, Any], desired: int, most: int) -> bool:
    target = _annotations(rs)
    changed = False
    for key, value in (
        (util.DESIRED_REPLICAS_ANNOTATION, str(desired)),
        (util.MAX_REPLICAS_ANNOTATION, str(most)),
    ):
        if target.get(key) != value:
            target[key] = value
            changed = True
    return changed


def set_new_replica_set_annotations(
    deployment: Mapping[str, Any],
    rs: dict[str, Any],
    new_revision: str,
    *,
    exists: bool,
    history_limit: int = util.MAX_REV_HISTORY_LENGTH,
) -> bool:
    """Bring the new ReplicaSet's annotations up to date; whether anything changed."""
    changed = copy_deployment_annotations(deployment, rs)
    target = _annotations(rs)
    old_revision = target.get(util.REVISION_ANNOTATION)
    had_revision = old_revision is not None
    try:
        old_number = int(old_revision) if old_revision else 0
    except ValueError:
        log.info("replica set revision %r is not a number; left alone", old_revision)
        return False
    new_number = int(new_revision)
    if old_number < new_number:
        target[util.REVISION_ANNOTATION] = new_revision
        changed = True
    if had_revision and old_number < new_number and old_revision:
        history = target.get(util.REVISION_HISTORY_ANNOTATION, "")
        if not history:
            target[util.REVISION_HISTORY_ANNOTATION] = old_revision
        else:
            kept = history.split(",")
            total = len(history) + len(old_revision) + 1
            start = 0
            while total > history_limit and start < len(kept):
                total -= len(kept[start]) + 1
                start += 1
            if total <= history_limit:
                target[util.REVISION_HISTORY_ANNOTATION] = ",".join([*kept[start:], old_revision])
    if not exists:
        desired = util.replicas(deployment)
        if set_replicas_annotations(rs, desired, desired + util.max_surge(deployment)):
            changed = True
    return changed
