"""Managed fields on every write: who set what (``metadata.managedFields``).

Non-apply writes go through :func:`~microkube_apiserver.patch.record_update` as operation
``Update``; the manager is the ``fieldManager`` query parameter or, as kube-apiserver does,
the client's User-Agent up to its first ``/`` (``kubectl``, ``python-requests``).

An object whose fields cannot be tracked (a list keyed by ``name`` with an item lacking its
name) is not an error here: as kube-apiserver's ``UpdateNoErrors``, the object goes on with its
managed fields removed, and validation refuses it with the field's own message.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from microkube_apiserver.patch import PatchError, record_create, record_update
from microkube_apiserver.registry.context import Target

log = logging.getLogger(__name__)

__all__ = ["ignored_fields", "manager_from_user_agent", "track_create", "track_update"]


def manager_from_user_agent(user_agent: str | None) -> str:
    name = (user_agent or "").split("/", 1)[0].strip()
    return name[:128] or "unknown"


def ignored_fields(target: Target) -> tuple[tuple[str, ...], ...]:
    """Top-level fields a write to this endpoint cannot own: the status for the main resource
    of a kind with a status subresource, everything but the status for the status endpoint."""
    if not target.rules.has_status:
        return ()
    if target.subresource == "status":
        return ()
    return (("status",),)


def track_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    target: Target,
    manager: str,
    now: datetime,
) -> dict[str, Any]:
    try:
        return record_update(
            old,
            new,
            manager=manager,
            subresource=target.subresource or None,
            now=now,
            ignore=ignored_fields(target),
        )
    except PatchError as exc:
        log.debug("managed fields of %s not tracked: %s", target.key, exc)
        metadata = {k: v for k, v in (new.get("metadata") or {}).items() if k != "managedFields"}
        return {**new, "metadata": metadata}


def track_create(obj: dict[str, Any], target: Target, manager: str, now: datetime) -> None:
    """:func:`track_update` of a create, in place: ``obj`` is the caller's own new object,
    so it is not copied (a copy of a pod costs a create tens of microseconds)."""
    try:
        record_create(
            obj,
            manager=manager,
            subresource=target.subresource or None,
            now=now,
            ignore=ignored_fields(target),
        )
    except PatchError as exc:
        log.debug("managed fields of %s not tracked: %s", target.key, exc)
        metadata = obj.get("metadata") or {}
        obj["metadata"] = {k: v for k, v in metadata.items() if k != "managedFields"}
