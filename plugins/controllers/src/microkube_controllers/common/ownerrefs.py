"""Controller references: the ``metadata.ownerReferences`` entry with ``controller: true``.

An object has at most one controller. Controllers find "their" pods by this reference (and its
UID, so a re-created owner of the same name does not inherit the old one's pods), and the
garbage collector deletes dependents through it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

__all__ = [
    "CONTROLLER_UID_INDEX",
    "ORPHAN_INDEX",
    "add_controller_uid_index",
    "add_orphan_index",
    "controller_uid_index",
    "get_controller_of",
    "new_controller_ref",
    "orphan_namespace_index",
]

#: Name of the informer index mapping a controller's UID to the objects it controls.
CONTROLLER_UID_INDEX = "controller-uid"


def new_controller_ref(owner: Mapping[str, Any], api_version: str, kind: str) -> dict[str, Any]:
    """The controller ownerReference to ``owner`` (upstream ``metav1.NewControllerRef``)."""
    meta = owner.get("metadata") or {}
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": meta.get("name", ""),
        "uid": meta.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def get_controller_of(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ownerReference of ``obj`` with ``controller: true``, or None."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def controller_uid_index(obj: Mapping[str, Any]) -> list[str]:
    """Informer index function: the UID of the object's controller (none for orphans)."""
    ref = get_controller_of(obj)
    return [ref["uid"]] if ref and ref.get("uid") else []


def add_controller_uid_index(informer: Any) -> None:
    """Give a (shared) informer the :data:`CONTROLLER_UID_INDEX` unless it has it already."""
    with contextlib.suppress(ValueError):  # another controller sharing the informer added it
        informer.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})


#: Name of the informer index mapping a namespace to its objects without a controller.
ORPHAN_INDEX = "orphans-by-namespace"


def orphan_namespace_index(obj: Mapping[str, Any]) -> list[str]:
    """Informer index function: the namespace of an object that has no controller."""
    if get_controller_of(obj) is not None:
        return []
    return [(obj.get("metadata") or {}).get("namespace") or ""]


def add_orphan_index(informer: Any) -> None:
    """Give a (shared) informer the :data:`ORPHAN_INDEX` unless it has it already."""
    with contextlib.suppress(ValueError):
        informer.add_indexers({ORPHAN_INDEX: orphan_namespace_index})
