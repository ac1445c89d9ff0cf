"""DELETE and deletecollection: finalizers, graceful deletion, preconditions.

As kube-apiserver's generic store:

- ``propagationPolicy`` Orphan / Foreground add the ``orphan`` / ``foregroundDeletion``
  finalizer (the garbage collector acts on them), Background removes both;
- an object with finalizers is only marked: ``deletionTimestamp`` (and
  ``deletionGracePeriodSeconds`` 0) are set and it stays until its last finalizer goes;
- pods are deleted gracefully: ``deletionTimestamp`` = now + the grace period (the request's,
  else ``spec.terminationGracePeriodSeconds``, default 30 s); a pod that never reached a node,
  that has finished, or is deleted with grace 0 goes at once. The kubelet removes the others
  (with grace 0) once their containers have stopped;
- ``preconditions`` (uid, resourceVersion) that do not hold are a 409 Conflict.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from microkube.contracts.admission import Operation
from microkube_apiserver import errors
from microkube_apiserver.registry.admit import admission_request, run_admission
from microkube_apiserver.registry.context import Api, Result, Target, WriteOptions
from microkube_apiserver.registry.filters import build_predicate
from microkube_apiserver.registry.meta import format_time
from microkube_apiserver.registry.objects import decode, read
from microkube_apiserver.registry.removal import RemovalRaced, is_namespace, remove
from microkube_apiserver.registry.update import guaranteed_update

__all__ = ["delete", "delete_collection", "parse_delete_options"]

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
_POLICIES = ("Foreground", "Background", "Orphan")
_ATTEMPTS = 16


def _invalid_options(field: str, message: str, reason: str) -> errors.ApiError:
    return errors.invalid(
        "meta.k8s.io",
        "DeleteOptions",
        "",
        [f"{field}: {message}"],
        [{"reason": reason, "message": message, "field": field}],
    )


def parse_delete_options(body: Any, query: dict[str, str]) -> dict[str, Any]:
    """DeleteOptions from the body (if any) and the query (which wins), validated (422)."""
    options: dict[str, Any] = dict(body) if isinstance(body, dict) else {}
    if body is not None and not isinstance(body, dict):
        raise errors.bad_request("the body of a delete request must be a DeleteOptions object")
    if "gracePeriodSeconds" in query:
        try:
            options["gracePeriodSeconds"] = int(query["gracePeriodSeconds"])
        except ValueError:
            raise errors.bad_request(
                f'invalid gracePeriodSeconds: "{query["gracePeriodSeconds"]}"'
            ) from None
    if "propagationPolicy" in query:
        options["propagationPolicy"] = query["propagationPolicy"]
    if "orphanDependents" in query:
        options["orphanDependents"] = query["orphanDependents"].lower() == "true"
    grace = options.get("gracePeriodSeconds")
    if grace is not None and (isinstance(grace, bool) or not isinstance(grace, int)):
        raise errors.bad_request("gracePeriodSeconds must be an integer")
    policy = options.get("propagationPolicy")
    if policy is not None and policy not in _POLICIES:
        supported = ", ".join(f'"{p}"' for p in _POLICIES)
        raise _invalid_options(
            "propagationPolicy",
            f'Unsupported value: "{policy}": supported values: {supported}',
            "FieldValueNotSupported",
        )
    if policy is not None and options.get("orphanDependents") is not None:
        raise _invalid_options(
            "propagationPolicy",
            f'Invalid value: "{policy}": orphanDependents and deletionPropagation cannot be both '
            "set",
            "FieldValueInvalid",
        )
    preconditions = options.get("preconditions")
    if preconditions is not None and not isinstance(preconditions, dict):
        raise errors.bad_request("preconditions must be an object")
    return options


def _check_preconditions(
    obj: dict[str, Any], revision: int, options: dict[str, Any], target: Target
) -> None:
    preconditions = options.get("preconditions") or {}
    metadata = obj.get("metadata") or {}
    uid = preconditions.get("uid")
    if uid is not None and uid != metadata.get("uid"):
        raise errors.conflict(
            target.group,
            target.plural,
            target.name,
            f"Precondition failed: UID in precondition: {uid}, UID in object meta: "
            f"{metadata.get('uid', '')}",
        )
    rv = preconditions.get("resourceVersion")
    if rv is not None and str(rv) != str(revision):
        raise errors.conflict(
            target.group,
            target.plural,
            target.name,
            f"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in "
            f"meta: {revision}",
        )


def _finalizers(current: list[str], options: dict[str, Any]) -> list[str]:
    policy = options.get("propagationPolicy")
    if options.get("orphanDependents") is True:
        policy = "Orphan"
    elif options.get("orphanDependents") is False:
        policy = "Background"
    result = list(current)
    if policy == "Orphan":
        result = [f for f in result if f != FOREGROUND]
        if ORPHAN not in result:
            result.append(ORPHAN)
    elif policy == "Foreground":
        result = [f for f in result if f != ORPHAN]
        if FOREGROUND not in result:
            result.append(FOREGROUND)
    elif policy == "Background":
        result = [f for f in result if f not in (ORPHAN, FOREGROUND)]
    return result


def _pod_grace(obj: dict[str, Any], options: dict[str, Any]) -> int:
    """A pod's grace period: 0 for one never scheduled or already finished."""
    spec = obj.get("spec") or {}
    phase = (obj.get("status") or {}).get("phase")
    if not spec.get("nodeName") or phase in ("Succeeded", "Failed"):
        return 0
    grace = options.get("gracePeriodSeconds")
    if grace is None:
        grace = spec.get("terminationGracePeriodSeconds", 30)
    return max(int(grace), 0)


def _spec_finalizers(obj: dict[str, Any]) -> bool:
    return bool((obj.get("spec") or {}).get("finalizers"))


async def delete(
    api: Api,
    target: Target,
    delete_options: dict[str, Any],
    options: WriteOptions,
) -> Result:
    current, _ = await read(api, target)
    request = admission_request(Operation.DELETE, target, None, current, options)
    await run_admission(api, request, target)
    for _ in range(_ATTEMPTS):
        current, kv = await read(api, target)
        _check_preconditions(current, kv.mod_revision, delete_options, target)
        metadata = current.get("metadata") or {}
        finalizers = _finalizers(metadata.get("finalizers") or [], delete_options)
        grace = _pod_grace(current, delete_options) if target.rules.graceful else 0
        pending = metadata.get("deletionGracePeriodSeconds")
        deleting = bool(metadata.get("deletionTimestamp"))
        held = bool(finalizers) or (is_namespace(target) and _spec_finalizers(current))
        if not held and (grace == 0 or (deleting and pending == 0)):
            try:
                return await remove(api, target, current, kv.mod_revision, options)
            except RemovalRaced:
                continue
        return await _mark(api, target, finalizers, grace, delete_options, options)
    raise errors.stale_object(target.group, target.plural, target.name)


async def _mark(
    api: Api,
    target: Target,
    finalizers: list[str],
    grace: int,
    delete_options: dict[str, Any],
    options: WriteOptions,
) -> Result:
    """Set deletionTimestamp (now + grace) and the finalizers; a pending graceful deletion
    is only ever shortened, as in Kubernetes."""
    now = api.clock()

    async def transform(obj: dict[str, Any]) -> dict[str, Any]:
        metadata = obj.setdefault("metadata", {})
        pending = metadata.get("deletionGracePeriodSeconds")
        if not metadata.get("deletionTimestamp") or (pending is not None and grace < pending):
            metadata["deletionTimestamp"] = format_time(now + timedelta(seconds=grace))
            metadata["deletionGracePeriodSeconds"] = grace
            if metadata.get("generation"):
                metadata["generation"] += 1
        if finalizers:
            metadata["finalizers"] = list(finalizers)
        else:
            metadata.pop("finalizers", None)
        if is_namespace(target):
            # The namespace controller empties a Terminating namespace, then finalizes it.
            obj.setdefault("status", {})["phase"] = "Terminating"
        return obj

    result = await guaranteed_update(api, target, transform, options, admit=False)
    return result


async def delete_collection(
    api: Api,
    target: Target,
    label_selector: str,
    field_selector: str,
    delete_options: dict[str, Any],
    options: WriteOptions,
) -> Result:
    """Delete every object of the collection the selectors match; answers with the list of
    objects deleted or now being deleted."""
    predicate = build_predicate(label_selector, field_selector, target.rules)
    page = await api.storage.range(target.prefix)
    deleted: list[dict[str, Any]] = []
    for kv in page.items:
        obj = decode(target, kv)
        if predicate is not None and not predicate(obj):
            continue
        metadata = obj.get("metadata") or {}
        one = Target(
            target.resource, namespace=metadata.get("namespace", ""), name=metadata["name"]
        )
        try:
            result = await delete(api, one, copy.deepcopy(delete_options), options)
        except errors.ApiError as exc:
            if exc.code == 404:
                continue
            raise
        deleted.append(result.body if result.body.get("kind") != "Status" else obj)
    body = {
        "kind": target.resource.list_kind,
        "apiVersion": target.resource.api_version,
        "metadata": {},
        "items": deleted,
    }
    return Result(200, body)
