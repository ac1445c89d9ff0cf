"""Which nodes a DaemonSet's pod belongs on, and how its pods are pinned there.

As upstream's ``NodeShouldRunDaemonPod``: a node qualifies when the pod's ``nodeName`` (if
any), ``nodeSelector`` and required node affinity match it and every ``NoSchedule`` and
``NoExecute`` taint is tolerated; a pod already there may stay unless a ``NoExecute`` taint is
not tolerated. DaemonSet pods get the standard tolerations for node conditions (not-ready,
unreachable, disk/memory/PID pressure, unschedulable, and network-unavailable for host-network
pods) and are pinned to their node by required node affinity on ``metadata.name`` — the
default scheduler binds them, as in Kubernetes since 1.12.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

__all__ = [
    "Placement",
    "daemon_tolerations",
    "pin_to_node",
    "placement",
    "target_node",
    "tolerates",
]

Obj = Mapping[str, Any]

_NOT_READY = "node.kubernetes.io/not-ready"
_UNREACHABLE = "node.kubernetes.io/unreachable"
_STANDARD = (
    (_NOT_READY, "NoExecute"),
    (_UNREACHABLE, "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
_NETWORK_UNAVAILABLE = ("node.kubernetes.io/network-unavailable", "NoSchedule")


@attrs.frozen
class Placement:
    """``should_run``: a daemon pod belongs on the node; ``should_continue_running``: one
    already there may stay."""

    should_run: bool
    should_continue_running: bool


def daemon_tolerations(pod_spec: Obj) -> list[dict[str, Any]]:
    """The pod's tolerations plus the ones every DaemonSet pod gets (upstream
    ``AddOrUpdateDaemonPodTolerations``), without duplicates."""
    tolerations = [dict(t) for t in pod_spec.get("tolerations") or ()]
    wanted = list(_STANDARD)
    if pod_spec.get("hostNetwork"):
        wanted.append(_NETWORK_UNAVAILABLE)
    for key, effect in wanted:
        standard = {"key": key, "operator": "Exists", "effect": effect}
        if standard not in tolerations:
            tolerations.append(standard)
    return tolerations


def tolerates(tolerations: Sequence[Obj], taint: Obj) -> bool:
    """Some toleration matches the taint (``v1.Toleration.ToleratesTaint``)."""
    for toleration in tolerations:
        effect = toleration.get("effect") or ""
        if effect and effect != taint.get("effect"):
            continue
        key = toleration.get("key") or ""
        operator = toleration.get("operator") or "Equal"
        if key and key != taint.get("key"):
            continue
        if not key and operator != "Exists":
            continue
        if operator == "Exists" or (toleration.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def _label_requirement(expression: Obj, labels: Mapping[str, str]) -> bool:
    key, operator = expression.get("key"), expression.get("operator")
    values = list(expression.get("values") or ())
    present = key in labels
    value = labels.get(key)
    if operator == "In":
        return present and value in values
    if operator == "NotIn":
        return not present or value not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and len(values) == 1:
        try:
            mine, bound = int(value or ""), int(values[0])
        except ValueError:
            return False
        return mine > bound if operator == "Gt" else mine < bound
    return False


def _term_matches(term: Obj, node: Obj) -> bool:
    expressions = term.get("matchExpressions") or ()
    fields = term.get("matchFields") or ()
    if not expressions and not fields:
        return False  # an empty term selects nothing
    meta = node.get("metadata") or {}
    labels = meta.get("labels") or {}
    if not all(_label_requirement(e, labels) for e in expressions):
        return False
    for expression in fields:
        if expression.get("key") != "metadata.name":
            return False
        if not _label_requirement(expression, {"metadata.name": meta.get("name", "")}):
            return False
    return True


def _affinity_matches(pod_spec: Obj, node: Obj) -> bool:
    labels = (node.get("metadata") or {}).get("labels") or {}
    for key, value in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = (
        ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
    ) or None
    if required is None:
        return True
    return any(_term_matches(term, node) for term in required.get("nodeSelectorTerms") or ())


def placement(pod_spec: Obj, node: Obj) -> Placement:
    """Whether the DaemonSet whose template has ``pod_spec`` belongs on ``node``."""
    name = (node.get("metadata") or {}).get("name")
    if pod_spec.get("nodeName") and pod_spec["nodeName"] != name:
        return Placement(False, False)
    if not _affinity_matches(pod_spec, node):
        return Placement(False, False)
    tolerations = daemon_tolerations(pod_spec)
    should_run = should_continue = True
    for taint in (node.get("spec") or {}).get("taints") or ():
        effect = taint.get("effect")
        if effect not in ("NoSchedule", "NoExecute") or tolerates(tolerations, taint):
            continue
        should_run = False
        if effect == "NoExecute":
            should_continue = False
    return Placement(should_run, should_continue)


def pin_to_node(pod_spec: Obj, node_name: str) -> dict[str, Any]:
    """The pod spec with its required node affinity replaced by ``metadata.name In
    [node_name]`` (upstream ``ReplaceDaemonSetPodNodeNameNodeAffinity``) and the daemon
    tolerations added."""
    spec = copy.deepcopy(dict(pod_spec))
    affinity = spec.setdefault("affinity", {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
        "nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}
        ]
    }
    spec["tolerations"] = daemon_tolerations(spec)
    return spec


def target_node(pod: Obj) -> str | None:
    """The node a daemon pod is on or pinned to (upstream ``GetTargetNodeName``)."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return spec["nodeName"]
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    for term in required.get("nodeSelectorTerms") or ():
        for expression in term.get("matchFields") or ():
            values = expression.get("values") or ()
            if (
                expression.get("key") == "metadata.name"
                and expression.get("operator") == "In"
                and len(values) == 1
            ):
                return values[0]
    return None
