"""Per-node decisions of the DaemonSet controller (upstream ``podsShouldBeOnNode`` and
``findUpdatedPodsOnNode``): which nodes need a daemon pod, which pods must go."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from microkube_controllers.common.pods import is_pod_available, is_pod_ready
from microkube_controllers.daemonset.placement import Placement

__all__ = [
    "REVISION_HASH",
    "TEMPLATE_GENERATION",
    "NodeVerdict",
    "by_age",
    "is_updated",
    "judge_node",
    "updated_and_old",
]

Pod = Mapping[str, Any]

#: the label naming the ControllerRevision a daemon pod was made from
REVISION_HASH = "controller-revision-hash"
#: the (deprecated, still written) label with the DaemonSet generation of the pod's template
TEMPLATE_GENERATION = "pod-template-generation"


@attrs.define
class NodeVerdict:
    create: bool = False
    delete: list[Pod] = attrs.Factory(list)
    #: failed pods whose deletion waits out a back-off
    failed_backing_off: bool = False
    #: failed pods to delete now (each gets a ``FailedDaemonPod`` warning)
    failed: list[Pod] = attrs.Factory(list)


def by_age(pod: Pod) -> tuple[str, int, str]:
    """Oldest first; of equal age, scheduled first (``podByCreationTimestampAndPhase``)."""
    meta = pod.get("metadata") or {}
    bound = 0 if (pod.get("spec") or {}).get("nodeName") else 1
    return (meta.get("creationTimestamp") or "", bound, meta.get("name") or "")


def is_updated(pod: Pod, revision_hash: str) -> bool:
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return labels.get(REVISION_HASH) == revision_hash


def updated_and_old(pods: Sequence[Pod], revision_hash: str) -> tuple[Pod | None, Pod | None, bool]:
    """The node's up-to-date and old pod (not being deleted); False if it has two of a kind
    (``manage`` cleans those up first)."""
    new = old = None
    for pod in pods:
        if (pod.get("metadata") or {}).get("deletionTimestamp"):
            continue
        if is_updated(pod, revision_hash):
            if new is not None:
                return None, None, False
            new = pod
        else:
            if old is not None:
                return None, None, False
            old = pod
    return new, old, True


def judge_node(
    where: Placement,
    pods: Sequence[Pod] | None,
    *,
    revision_hash: str,
    allows_surge: bool,
    min_ready_seconds: int,
    now: datetime,
    in_failure_backoff: bool,
) -> NodeVerdict:
    """What the node needs: a new pod, or pods removed."""
    verdict = NodeVerdict()
    if where.should_run and pods is None:
        verdict.create = True
        return verdict
    if pods is None:
        return verdict
    if not where.should_continue_running:
        verdict.delete = [p for p in pods if not (p.get("metadata") or {}).get("deletionTimestamp")]
        return verdict
    running: list[Pod] = []
    for pod in pods:
        if (pod.get("metadata") or {}).get("deletionTimestamp"):
            continue
        phase = (pod.get("status") or {}).get("phase")
        if phase == "Failed":
            if in_failure_backoff:
                verdict.failed_backing_off = True
            else:
                verdict.failed.append(pod)
        elif phase == "Succeeded":
            verdict.delete.append(pod)
        else:
            running.append(pod)
    if len(running) <= 1:
        return verdict
    running.sort(key=by_age)
    if not allows_surge:
        verdict.delete += running[1:]  # keep the oldest
        return verdict
    # Surging: two pods may coexist — the oldest up-to-date one while it is not yet available
    # and the oldest old one while it is ready. Every other pod goes.
    oldest_new = oldest_old = None
    for pod in running:
        if is_updated(pod, revision_hash):
            if oldest_new is None:
                oldest_new = pod
                continue
        elif oldest_old is None:
            oldest_old = pod
            continue
        verdict.delete.append(pod)
    if (
        oldest_new is not None
        and oldest_old is not None
        and (not is_pod_ready(oldest_old) or is_pod_available(oldest_new, min_ready_seconds, now))
    ):
        verdict.delete.append(oldest_old)
    return verdict
