"""Which pods the pod garbage collector deletes (pure functions), as upstream's
``PodGCController``: terminated pods beyond the threshold (evicted ones first, then oldest),
terminating pods on out-of-service nodes that are not ready, pods bound to nodes that no
longer exist, and terminating pods that were never scheduled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

OUT_OF_SERVICE = "node.kubernetes.io/out-of-service"

Obj = Mapping[str, Any]


def _meta(pod: Obj) -> Mapping[str, Any]:
    return pod.get("metadata") or {}


def is_terminated(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def is_evicted(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("reason") == "Evicted"


def node_name(pod: Obj) -> str:
    return (pod.get("spec") or {}).get("nodeName") or ""


def terminated_over_threshold(pods: Iterable[Obj], threshold: int) -> list[Obj]:
    """The terminated pods to delete so that ``threshold`` remain (0: the check is off)."""
    if threshold <= 0:
        return []
    terminated = [pod for pod in pods if is_terminated(pod)]
    excess = len(terminated) - threshold
    if excess <= 0:
        return []
    terminated.sort(
        key=lambda pod: (
            not is_evicted(pod),
            _meta(pod).get("creationTimestamp") or "",
            _meta(pod).get("name") or "",
        )
    )
    return terminated[:excess]


def terminating_out_of_service(pods: Iterable[Obj], nodes: Mapping[str, Obj]) -> list[Obj]:
    """Terminating pods on nodes that are not ready and tainted out-of-service."""
    found = []
    for pod in pods:
        if not _meta(pod).get("deletionTimestamp") or is_terminated(pod):
            continue
        node = nodes.get(node_name(pod))
        if node is None or _ready(node):
            continue
        taints = (node.get("spec") or {}).get("taints") or ()
        if any(t.get("key") == OUT_OF_SERVICE and t.get("effect") == "NoExecute" for t in taints):
            found.append(pod)
    return found


def _ready(node: Obj) -> bool:
    for condition in (node.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def missing_nodes(pods: Iterable[Obj], nodes: Mapping[str, Obj]) -> set[str]:
    """Nodes pods are bound to that the node cache does not know."""
    return {node_name(pod) for pod in pods if node_name(pod) and node_name(pod) not in nodes}


def on_nodes(pods: Iterable[Obj], names: set[str]) -> list[Obj]:
    return [pod for pod in pods if node_name(pod) in names]


def unscheduled_terminating(pods: Sequence[Obj]) -> list[Obj]:
    return [pod for pod in pods if _meta(pod).get("deletionTimestamp") and not node_name(pod)]
