"""Removing an object from the store for good, and telling admission plugins it is gone."""

from __future__ import annotations

from typing import Any

from microkube.contracts.admission import Operation
from microkube.contracts.storage import KeyNotFoundError, RevisionMismatchError
from microkube_apiserver import errors
from microkube_apiserver.registry.admit import admission_request
from microkube_apiserver.registry.context import Api, Result, Target, WriteOptions

__all__ = ["RemovalRaced", "is_namespace", "remove", "still_held"]


def is_namespace(target: Target) -> bool:
    return (target.group, target.plural) == ("", "namespaces")


def still_held(obj: dict[str, Any], target: Target) -> bool:
    """Finalizers keep the object: ``metadata.finalizers``, and for a namespace also
    ``spec.finalizers`` (removed through its ``finalize`` subresource)."""
    if (obj.get("metadata") or {}).get("finalizers"):
        return True
    return is_namespace(target) and bool((obj.get("spec") or {}).get("finalizers"))


class RemovalRaced(Exception):
    """The object changed between reading and deleting it: read again."""


async def remove(
    api: Api,
    target: Target,
    obj: dict[str, Any],
    revision: int,
    options: WriteOptions,
    *,
    answer: dict[str, Any] | None = None,
) -> Result:
    """Delete ``target`` if still at ``revision``; answer as kube-apiserver does: the object
    for stores that return deleted objects (pods, services, namespaces), else a Status.

    Raises :class:`RemovalRaced` when the revision moved on.
    """
    metadata = obj.get("metadata") or {}
    if not options.dry_run:
        try:
            await api.storage.delete(target.key, expected_revision=revision)
        except RevisionMismatchError:
            raise RemovalRaced from None
        except KeyNotFoundError:
            raise errors.not_found(target.group, target.plural, target.name) from None
        request = admission_request(Operation.DELETE, target, None, obj, options)
        await api.admission.committed(request)
    if target.rules.return_deleted or answer is not None:
        return Result(200, answer if answer is not None else obj)
    return Result(
        200,
        errors.success_status(
            name=target.name,
            group=target.group,
            plural=target.plural,
            uid=metadata.get("uid", ""),
        ),
    )
