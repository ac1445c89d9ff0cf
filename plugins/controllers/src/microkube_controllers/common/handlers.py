"""From informer events to work-queue keys.

Keys are ``namespace/name`` (``name`` for cluster-scoped objects), as client-go's
``MetaNamespaceKeyFunc``; a deletion may hand over a
:class:`~microkube.client.store.DeletedFinalStateUnknown` tombstone, which keys the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from microkube.client.store import DeletedFinalStateUnknown, meta_namespace_key

__all__ = ["Enqueuer", "enqueue_handlers", "key_of", "unwrap_tombstone"]


class Enqueuer(Protocol):
    def add(self, item: str) -> None: ...


def unwrap_tombstone(obj: Any) -> Mapping[str, Any]:
    """The object of a delete notification (the last known state for a tombstone)."""
    return obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj


def key_of(obj: Any) -> str:
    """The work-queue key of an object or tombstone."""
    return meta_namespace_key(obj)


def enqueue_handlers(
    queue: Enqueuer, *, on_delete: Callable[[str], None] | None = None
) -> dict[str, Callable[..., None]]:
    """``on_add``/``on_update``/``on_delete`` handlers queueing the object's own key, for
    ``informer.add_event_handler(**enqueue_handlers(queue))``. Updates that change nothing
    (same resourceVersion, as a re-list delivers) are skipped. ``on_delete(key)`` runs first
    on deletions (e.g. to forget expectations)."""

    def added(obj: Mapping[str, Any]) -> None:
        queue.add(key_of(obj))

    def updated(old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        old_rv = (old.get("metadata") or {}).get("resourceVersion")
        if old_rv and old_rv == (new.get("metadata") or {}).get("resourceVersion"):
            return
        queue.add(key_of(new))

    def deleted(obj: Any) -> None:
        key = key_of(obj)
        if on_delete is not None:
            on_delete(key)
        queue.add(key)

    return {"on_add": added, "on_update": updated, "on_delete": deleted}
