"""Namespaces as the store has them, kept current by a watch — kube-apiserver's namespace
lister for the NamespaceLifecycle plugin, so a create does not read the store.

An :class:`~microkube_apiserver.admission.object_cache.ObjectCache` of the namespaces that
keeps, per name, only whether it is terminating. It can be behind the store by a watch's
delivery time: its user trusts only an "Active" answer and reads the store for anything else
(see the plugin).
"""

from __future__ import annotations

from typing import Any

from microkube.contracts.storage import Storage
from microkube_apiserver.admission.object_cache import ObjectCache
from microkube_apiserver.store import keys

__all__ = ["PREFIX", "NamespaceCache", "is_terminating"]

PREFIX = keys.prefix("", "namespaces")


def is_terminating(stored: Any) -> bool:
    """Is this stored namespace being deleted (a deletionTimestamp, or phase Terminating)?"""
    if not isinstance(stored, dict):
        return False
    return bool(
        (stored.get("metadata") or {}).get("deletionTimestamp")
        or (stored.get("status") or {}).get("phase") == "Terminating"
    )


class NamespaceCache(ObjectCache[bool]):
    """Namespace name → terminating, from a list and a watch of the namespaces."""

    def __init__(self, storage: Storage) -> None:
        super().__init__(storage, PREFIX, is_terminating)

    def terminating(self, name: str) -> bool | None:
        """False: active; True: being deleted; None: not in the cache (or not synced)."""
        return self.get(name)
