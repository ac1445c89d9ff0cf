"""Updates as compare-and-swap loops (kube-apiserver's ``GuaranteedUpdate``).

Every write to an existing object — PUT, PATCH, status and scale writes, finalizer changes,
graceful deletion — reads the current object, computes the new one, runs admission and stores
it only if the key's revision is still the one read. A client that named a resourceVersion
gets ``409 Conflict`` when it is stale; otherwise the loop re-reads and tries again.
Removing the last finalizer of an object being deleted (with no grace period pending)
deletes it, as Kubernetes does.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

from microkube.contracts.admission import Operation
from microkube.contracts.storage import KeyNotFoundError, RevisionMismatchError
from microkube_apiserver import errors
from microkube_apiserver.registry.admit import admission_request, run_admission
from microkube_apiserver.registry.context import Api, Result, Target, WriteOptions
from microkube_apiserver.registry.objects import encode, read
from microkube_apiserver.registry.removal import RemovalRaced, remove, still_held

__all__ = ["Transform", "guaranteed_update", "same_object"]

#: Computes the new object from a private copy of the current one (raise ApiError to refuse).
Transform = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
_ATTEMPTS = 32


def same_object(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal but for resourceVersion: such an update is not written (no new revision)."""

    def strip(obj: dict[str, Any]) -> dict[str, Any]:
        metadata = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "resourceVersion"}
        return {**obj, "metadata": metadata}

    return strip(a) == strip(b)


def _deletes(new: dict[str, Any], old: dict[str, Any], target: Target) -> bool:
    """Kubernetes' ``shouldDeleteDuringUpdate``."""
    old_meta = old.get("metadata") or {}
    if still_held(new, target) or not old_meta.get("deletionTimestamp"):
        return False
    return not old_meta.get("deletionGracePeriodSeconds")


async def guaranteed_update(
    api: Api,
    target: Target,
    transform: Transform,
    options: WriteOptions,
    *,
    precondition: Callable[[dict[str, Any]], int | None] = lambda new: None,
    admit: bool = True,
) -> Result:
    """Update ``target`` with ``transform``; ``precondition(new)`` returns the revision the
    client required (None: unconditional)."""
    for _ in range(_ATTEMPTS):
        current, kv = await read(api, target)
        new = await transform(copy.deepcopy(current))
        required = precondition(new)
        if required is not None and required != kv.mod_revision:
            raise errors.stale_object(target.group, target.plural, target.name)
        request = admission_request(Operation.UPDATE, target, new, current, options)
        if admit:
            await run_admission(api, request, target)
        if same_object(new, current):
            return Result(200, current)
        if _deletes(new, current, target):
            try:
                return await remove(api, target, current, kv.mod_revision, options, answer=new)
            except RemovalRaced:
                continue
        if options.dry_run:
            new.setdefault("metadata", {})["resourceVersion"] = str(kv.mod_revision)
            return Result(200, new)
        try:
            revision = await api.storage.update(
                target.key, encode(target, new), expected_revision=kv.mod_revision
            )
        except RevisionMismatchError:
            await api.admission.release(request)
            if required is not None:
                raise errors.stale_object(target.group, target.plural, target.name) from None
            continue
        except KeyNotFoundError:
            await api.admission.release(request)
            raise errors.not_found(target.group, target.plural, target.name) from None
        except BaseException:
            await api.admission.release(request)
            raise
        await api.admission.committed(request)
        new.setdefault("metadata", {})["resourceVersion"] = str(revision)
        return Result(200, new)
    raise errors.ApiError(
        409,
        "Conflict",
        f"Operation cannot be fulfilled on {errors.qualified_resource(target.group, target.plural)}"
        f' "{target.name}": too many concurrent updates, please try again',
    )
