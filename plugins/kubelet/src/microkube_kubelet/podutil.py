"""Small facts about pod dicts (Kubernetes' JSON shape) the kubelet keeps asking."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "MIRROR_ANNOTATION",
    "as_pod_object",
    "container_specs",
    "format_pod",
    "grace_period",
    "is_mirror",
    "is_sidecar",
    "is_terminating",
    "pod_key",
]

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
SOURCE_ANNOTATION = "kubernetes.io/config.source"
HASH_ANNOTATION = "kubernetes.io/config.hash"


def meta(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    return pod.get("metadata") or {}


def pod_key(pod: Mapping[str, Any]) -> str:
    """``namespace/name``."""
    m = meta(pod)
    return f"{m.get('namespace') or 'default'}/{m.get('name', '')}"


def format_pod(pod: Mapping[str, Any]) -> str:
    """``name_namespace(uid)``, as upstream's ``format.Pod`` in messages."""
    m = meta(pod)
    return f"{m.get('name', '')}_{m.get('namespace') or 'default'}({m.get('uid', '')})"


def is_terminating(pod: Mapping[str, Any]) -> bool:
    return bool(meta(pod).get("deletionTimestamp"))


def is_sidecar(container: Mapping[str, Any]) -> bool:
    """An init container with ``restartPolicy: Always`` (a native sidecar)."""
    return container.get("restartPolicy") == "Always"


def is_mirror(pod: Mapping[str, Any]) -> bool:
    return MIRROR_ANNOTATION in (meta(pod).get("annotations") or {})


def grace_period(pod: Mapping[str, Any]) -> int:
    """Seconds the containers get to stop: the deletion's, else the spec's (30 by default)."""
    m = meta(pod)
    value = m.get("deletionGracePeriodSeconds")
    if value is None:
        value = (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
    return max(0, int(value if value is not None else 30))


def container_specs(pod: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Init containers, then app containers."""
    spec = pod.get("spec") or {}
    yield from spec.get("initContainers") or ()
    yield from spec.get("containers") or ()


def as_pod_object(pod: Mapping[str, Any]) -> dict[str, Any]:
    """The pod with ``kind``/``apiVersion`` set (objects from lists and watches may lack them,
    and an Event's ``involvedObject`` needs them)."""
    return {"apiVersion": "v1", "kind": "Pod", **pod}
