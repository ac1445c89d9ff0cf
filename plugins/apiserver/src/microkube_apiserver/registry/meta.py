"""Server-owned metadata: what create sets and update carries over, as Kubernetes' generic
registry does (``BeforeCreate``/``BeforeUpdate``), and the status each kind starts with."""

from __future__ import annotations

import copy
import uuid
from datetime import datetime
from typing import Any

from microkube_apiserver.registry.context import Target
from microkube_apiserver.registry.qos import qos_class

__all__ = ["format_time", "prepare_create", "prepare_update", "spec_of", "status_only"]

#: Metadata the server owns: a client can neither set it on create nor change it on update.
_SERVER_OWNED = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")


def format_time(moment: datetime) -> str:
    """RFC 3339 with second precision in UTC, as ``metav1.Time`` is written."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def spec_of(obj: dict[str, Any]) -> dict[str, Any]:
    """Everything but metadata and status: a change here bumps ``generation``."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _initial_status(target: Target, obj: dict[str, Any]) -> dict[str, Any] | None:
    """The status an object starts with; None keeps what the client sent."""
    key = (target.group, target.plural)
    if key == ("", "pods"):
        return {"phase": "Pending", "qosClass": qos_class(obj.get("spec") or {})}
    if key == ("", "namespaces"):
        return {"phase": "Active"}
    if key in (("", "persistentvolumes"), ("", "persistentvolumeclaims")):
        return {"phase": "Pending"}
    if key == ("", "services"):
        return {"loadBalancer": {}}
    if key == ("", "nodes"):
        return None  # the kubelet registers its node with a status
    return {} if target.rules.has_status else None


def prepare_create(obj: dict[str, Any], target: Target, now: datetime) -> None:
    """Set uid, creationTimestamp, namespace, generation and initial status, in place."""
    metadata = obj.setdefault("metadata", {})
    for key in (*_SERVER_OWNED, "resourceVersion", "selfLink"):
        metadata.pop(key, None)
    if target.resource.namespaced:
        metadata["namespace"] = target.namespace
    else:
        metadata.pop("namespace", None)
    metadata["uid"] = str(uuid.uuid4())
    metadata["creationTimestamp"] = format_time(now)
    if target.rules.tracks_generation:
        metadata["generation"] = 1
    else:
        metadata.pop("generation", None)
    status = _initial_status(target, obj)
    if status is not None:
        obj["status"] = status
    if (target.group, target.plural) == ("", "namespaces"):
        spec = obj.setdefault("spec", {})
        spec.setdefault("finalizers", ["kubernetes"])


def prepare_update(new: dict[str, Any], old: dict[str, Any], target: Target) -> None:
    """Carry server-owned metadata (and, for kinds with a status subresource, the status)
    from ``old`` into ``new``; bump ``generation`` when the spec changed. In place."""
    metadata = new.setdefault("metadata", {})
    old_metadata = old.get("metadata") or {}
    for key in (*_SERVER_OWNED, "name", "namespace"):
        if key in old_metadata:
            metadata[key] = old_metadata[key]
        else:
            metadata.pop(key, None)
    metadata.pop("selfLink", None)
    if target.rules.has_status:
        if "status" in old:
            new["status"] = copy.deepcopy(old["status"])
        else:
            new.pop("status", None)
    if target.rules.tracks_generation:
        generation = int(old_metadata.get("generation") or 1)
        if spec_of(new) != spec_of(old):
            generation += 1
        metadata["generation"] = generation
    else:
        metadata.pop("generation", None)


def status_only(new: dict[str, Any], old: dict[str, Any], target: Target) -> None:
    """A write to the ``status`` subresource: ``old`` with only ``new``'s status, in place
    of ``new`` (everything else the client sent is ignored, as Kubernetes does)."""
    status = new.get("status")
    sent = new.get("metadata") or {}
    managed = sent.get("managedFields")
    new.clear()
    new.update(copy.deepcopy(old))
    if status is None:
        new.pop("status", None)
    else:
        new["status"] = status
    if managed is not None:
        new["metadata"]["managedFields"] = managed
    if target.rules.status_writes_annotations:
        annotations = sent.get("annotations")
        if annotations:
            new["metadata"]["annotations"] = annotations
        else:
            new["metadata"].pop("annotations", None)
