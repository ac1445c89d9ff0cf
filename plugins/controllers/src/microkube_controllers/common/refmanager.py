"""Adopting and releasing dependents, as client-go's ``ControllerRefManager``.

A controller *claims* the objects it should control: those it already controls (by
controller ownerReference with its UID) and that still match its selector are kept; those it
controls that no longer match are released (the reference removed); orphans that match are
adopted (a controller reference added). Objects controlled by someone else are never touched.

Writes use a JSON patch that first tests ``metadata.uid`` and ``metadata.resourceVersion``, so
a pod re-created under the same name, or changed since it was read, is not modified (the next
sync sees the fresh copy). Before the first adoption the owner is read fresh from the API
server: an owner that was deleted (or re-created with a new UID) must not adopt anything.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from microkube.client.api import ApiClient
from microkube.client.errors import ApiError, NotFoundError
from microkube_controllers.common.ownerrefs import get_controller_of

__all__ = ["AdoptionRefusedError", "ControllerRefManager", "owner_recheck"]

log = logging.getLogger(__name__)

Obj = Mapping[str, Any]


class AdoptionRefusedError(Exception):
    """The owner may not adopt: it is gone, re-created, or being deleted."""


def owner_recheck(api: ApiClient, resource: str, owner: Obj) -> Callable[[], Awaitable[None]]:
    """A check that ``owner`` still exists with its UID and is not being deleted, read
    directly from the API server (upstream ``RecheckDeletionTimestamp``)."""
    meta = owner.get("metadata") or {}

    async def check() -> None:
        try:
            fresh = await api.get(resource, meta["name"], meta.get("namespace"))
        except NotFoundError as exc:
            raise AdoptionRefusedError(str(exc)) from None
        fresh_meta = fresh.get("metadata") or {}
        if fresh_meta.get("uid") != meta.get("uid"):
            raise AdoptionRefusedError(
                f"original {meta.get('namespace')}/{meta.get('name')} is gone: got uid "
                f"{fresh_meta.get('uid')}, wanted {meta.get('uid')}"
            )
        if fresh_meta.get("deletionTimestamp"):
            raise AdoptionRefusedError(
                f"{meta.get('namespace')}/{meta.get('name')} has just been deleted at "
                f"{fresh_meta['deletionTimestamp']}"
            )

    return check


class ControllerRefManager:
    """Claims dependents (``resource``, e.g. ``pods``) for one owner.

    ``controller_ref`` is the reference to put on adopted objects (see
    :func:`~microkube_controllers.common.ownerrefs.new_controller_ref`); ``matches(obj)``
    tells whether an object matches the owner's selector; ``can_adopt`` is awaited once
    before the first adoption (see :func:`owner_recheck`).
    """

    def __init__(
        self,
        api: ApiClient,
        owner: Obj,
        controller_ref: Mapping[str, Any],
        matches: Callable[[Obj], bool],
        *,
        resource: str = "pods",
        can_adopt: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.api = api
        self.owner = owner
        self.controller_ref = dict(controller_ref)
        self.matches = matches
        self.resource = resource
        self._can_adopt = can_adopt
        self._adopt_checked: AdoptionRefusedError | bool = False
        meta = owner.get("metadata") or {}
        self.uid = meta.get("uid")
        self.owner_deleting = bool(meta.get("deletionTimestamp"))

    async def claim(self, objects: Iterable[Obj]) -> tuple[list[Obj], list[Exception]]:
        """The objects this owner controls after adopting/releasing; and the errors met."""
        claimed: list[Obj] = []
        errors: list[Exception] = []
        for obj in objects:
            try:
                result = await self._claim_one(obj)
            except (ApiError, AdoptionRefusedError, OSError) as exc:
                errors.append(exc)
                continue
            if result is not None:
                claimed.append(result)
        return claimed, errors

    async def _claim_one(self, obj: Obj) -> Obj | None:
        ref = get_controller_of(obj)
        labels = (obj.get("metadata") or {}).get("labels") or {}
        if ref is not None:
            if ref.get("uid") != self.uid:
                return None  # controlled by someone else
            if self.matches(labels):
                return obj
            if self.owner_deleting:
                return None  # leave it for the garbage collector
            await self.release(obj)
            return None
        if self.owner_deleting or not self.matches(labels):
            return None
        if (obj.get("metadata") or {}).get("deletionTimestamp"):
            return None  # never adopt an object being deleted
        return await self.adopt(obj)

    async def _check_can_adopt(self) -> None:
        if self._adopt_checked is True:
            return
        if isinstance(self._adopt_checked, AdoptionRefusedError):
            raise self._adopt_checked
        if self._can_adopt is not None:
            try:
                await self._can_adopt()
            except AdoptionRefusedError as exc:
                self._adopt_checked = exc
                raise
        self._adopt_checked = True

    async def adopt(self, obj: Obj) -> Obj | None:
        """Add the controller reference; the adopted object, or None if it vanished."""
        await self._check_can_adopt()
        meta = obj.get("metadata") or {}
        refs = [dict(r) for r in meta.get("ownerReferences") or [] if r.get("uid") != self.uid]
        refs.append(self.controller_ref)
        try:
            return await self._patch_refs(obj, refs)
        except NotFoundError:
            return None

    async def release(self, obj: Obj) -> None:
        """Remove this owner's reference (gone or changed objects are left alone)."""
        meta = obj.get("metadata") or {}
        refs = [dict(r) for r in meta.get("ownerReferences") or [] if r.get("uid") != self.uid]
        try:
            await self._patch_refs(obj, refs)
        except NotFoundError:
            return
        except ApiError as exc:
            if exc.code in (409, 422):
                return  # changed or re-created meanwhile: the next sync decides again
            raise

    async def _patch_refs(self, obj: Obj, refs: list[dict[str, Any]]) -> Obj:
        meta = obj.get("metadata") or {}
        patch = [
            {"op": "test", "path": "/metadata/uid", "value": meta.get("uid")},
            {
                "op": "test",
                "path": "/metadata/resourceVersion",
                "value": meta.get("resourceVersion"),
            },
            {"op": "add", "path": "/metadata/ownerReferences", "value": refs},
        ]
        return await self.api.patch(
            self.resource, meta["name"], patch, meta.get("namespace"), patch_type="json"
        )
