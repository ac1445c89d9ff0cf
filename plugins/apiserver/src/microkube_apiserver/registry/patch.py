"""The PATCH verb on an object or its ``status`` subresource."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from microkube_apiserver import errors
from microkube_apiserver.registry.context import Api, Result, Target, WriteOptions
from microkube_apiserver.registry.create import check_namespace, create_object
from microkube_apiserver.registry.decoding import check_apply_types, check_type_meta, normalize
from microkube_apiserver.registry.managed import track_update
from microkube_apiserver.registry.meta import prepare_update
from microkube_apiserver.registry.patching import (
    APPLY,
    apply_patch,
    parse_patch,
    requires_apply_options,
)
from microkube_apiserver.registry.replace import check_name
from microkube_apiserver.registry.update import guaranteed_update
from microkube_apiserver.registry.versions import parse_resource_version

__all__ = ["Finish", "patch"]

#: Turns the decoded patched object into what is stored, given the current object, in place.
Finish = Callable[[dict[str, Any], dict[str, Any], Target], None]


def _rv(obj: dict[str, Any]) -> str | None:
    value = (obj.get("metadata") or {}).get("resourceVersion")
    return value if isinstance(value, str) else None


async def patch(
    api: Api,
    target: Target,
    patch_type: str,
    body: bytes,
    options: WriteOptions,
    finish: Finish = prepare_update,
) -> Result:
    requires_apply_options(patch_type, options)
    document = parse_patch(patch_type, body)
    gvk = target.resource.gvk
    if patch_type == APPLY:
        check_type_meta(document, gvk)
        check_apply_types(document, gvk, target.name, target.namespace)
        check_name({"metadata": {"name": target.name, **(document.get("metadata") or {})}}, target)
    warnings: list[str] = []
    required: list[int | None] = [None]

    async def transform(current: dict[str, Any]) -> dict[str, Any]:
        patched = apply_patch(patch_type, current, document, options, target, api.clock)
        new, found = normalize(check_type_meta(patched, gvk), gvk, options.field_validation)
        patched_rv = _rv(new)
        required[0] = (
            parse_resource_version(patched_rv) if patched_rv not in (None, _rv(current)) else None
        )
        warnings[:] = found
        check_name(new, target)
        finish(new, current, target)
        if patch_type != APPLY and options.field_manager:
            new = track_update(current, new, target, options.field_manager, api.clock())
        return new

    try:
        result = await guaranteed_update(
            api, target, transform, options, precondition=lambda new: required[0]
        )
    except errors.ApiError as exc:
        if exc.code != 404 or patch_type != APPLY or target.subresource:
            raise
        return await _apply_create(api, target, document, options)
    result.warnings[:0] = warnings
    return result


async def _apply_create(
    api: Api, target: Target, document: dict[str, Any], options: WriteOptions
) -> Result:
    """Server-side apply of an object that does not exist yet creates it."""
    gvk = target.resource.gvk
    applied = apply_patch(APPLY, None, document, options, target, api.clock)  # type: ignore[arg-type]
    obj, warnings = normalize(check_type_meta(applied, gvk), gvk, options.field_validation)
    obj.setdefault("metadata", {})["name"] = target.name
    check_namespace(obj, target)
    result = await create_object(api, target, obj, attrs.evolve(options, field_manager=""))
    result.warnings[:0] = warnings
    return result
