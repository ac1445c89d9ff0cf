"""PUT: replace an object (optimistic concurrency through ``metadata.resourceVersion``)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from microkube_apiserver import errors
from microkube_apiserver.registry.context import Api, Result, Target, WriteOptions
from microkube_apiserver.registry.create import check_namespace
from microkube_apiserver.registry.decoding import check_type_meta, normalize
from microkube_apiserver.registry.managed import track_update
from microkube_apiserver.registry.meta import prepare_update
from microkube_apiserver.registry.update import guaranteed_update
from microkube_apiserver.registry.versions import parse_resource_version

__all__ = ["check_name", "replace", "requested_revision"]


def check_name(obj: dict[str, Any], target: Target) -> None:
    name = (obj.get("metadata") or {}).get("name") or ""
    if name != target.name:
        raise errors.bad_request(
            f"the name of the object ({name}) does not match the name on the URL ({target.name})"
        )


def requested_revision(obj: dict[str, Any]) -> int | None:
    """The resourceVersion a write names (None: unconditional); must be an integer."""
    value = (obj.get("metadata") or {}).get("resourceVersion")
    return parse_resource_version(value if isinstance(value, str) else None)


async def replace(
    api: Api,
    target: Target,
    body: Any,
    options: WriteOptions,
    finish: Callable[[dict[str, Any], dict[str, Any], Target], None] = prepare_update,
) -> Result:
    """PUT; ``finish`` turns the decoded body into what is stored (the status subresource
    keeps everything but the status)."""
    gvk = target.resource.gvk
    obj, warnings = normalize(
        check_type_meta(body, gvk), gvk, options.field_validation, options.strict_errors
    )
    check_name(obj, target)
    check_namespace(obj, target)
    required = requested_revision(obj)

    async def transform(current: dict[str, Any]) -> dict[str, Any]:
        new = copy.deepcopy(obj)
        finish(new, current, target)
        if options.field_manager:
            new = track_update(current, new, target, options.field_manager, api.clock())
        return new

    result = await guaranteed_update(
        api, target, transform, options, precondition=lambda new: required
    )
    result.warnings[:0] = warnings
    return result
