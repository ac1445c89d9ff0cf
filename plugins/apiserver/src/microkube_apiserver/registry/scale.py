"""The ``scale`` subresource: an ``autoscaling/v1`` Scale view of a workload's replicas."""

from __future__ import annotations

import copy
from typing import Any

from microkube_apiserver import errors
from microkube_apiserver.discovery import GroupVersionKind
from microkube_apiserver.registry.context import Api, Result, Target, WriteOptions
from microkube_apiserver.registry.decoding import check_type_meta, normalize
from microkube_apiserver.registry.meta import prepare_update
from microkube_apiserver.registry.objects import read
from microkube_apiserver.registry.patching import apply_patch, parse_patch, requires_apply_options
from microkube_apiserver.registry.replace import check_name, requested_revision
from microkube_apiserver.registry.update import guaranteed_update

__all__ = ["get_scale", "patch_scale", "replace_scale", "selector_string", "to_scale"]

SCALE = GroupVersionKind("autoscaling", "v1", "Scale")


def selector_string(selector: dict[str, Any] | None) -> str:
    """A LabelSelector as the string form Kubernetes prints (requirements sorted by key)."""
    if not selector:
        return ""
    parts: list[tuple[str, str]] = []
    for key, value in (selector.get("matchLabels") or {}).items():
        parts.append((key, f"{key}={value}"))
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key", ""), expression.get("operator")
        values = ",".join(sorted(expression.get("values") or []))
        text = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }.get(operator, key)
        parts.append((key, text))
    return ",".join(text for _, text in sorted(parts))


def to_scale(obj: dict[str, Any]) -> dict[str, Any]:
    metadata = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    scale_status: dict[str, Any] = {"replicas": int(status.get("replicas") or 0)}
    selector = selector_string(spec.get("selector"))
    if selector:
        scale_status["selector"] = selector
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: metadata[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in metadata
        },
        "spec": {"replicas": int(spec.get("replicas", 1))},
        "status": scale_status,
    }


async def get_scale(api: Api, target: Target) -> dict[str, Any]:
    obj, _ = await read(api, target)
    return to_scale(obj)


def _replicas(scale: dict[str, Any], target: Target) -> int:
    replicas = (scale.get("spec") or {}).get("replicas", 0)
    if replicas < 0:
        message = f"Invalid value: {replicas}: must be greater than or equal to 0"
        raise errors.invalid(
            "autoscaling",
            "Scale",
            target.name,
            [f"spec.replicas: {message}"],
            [{"reason": "FieldValueInvalid", "message": message, "field": "spec.replicas"}],
        )
    return int(replicas)


async def _write(
    api: Api, target: Target, options: WriteOptions, scale_of: Any, required: list[int | None]
) -> Result:
    async def transform(current: dict[str, Any]) -> dict[str, Any]:
        scale = scale_of(current)
        new = copy.deepcopy(current)
        new.setdefault("spec", {})["replicas"] = _replicas(scale, target)
        prepare_update(new, current, target)
        return new

    result = await guaranteed_update(
        api, target, transform, options, precondition=lambda new: required[0]
    )
    return Result(200, to_scale(result.body), result.warnings)


async def replace_scale(api: Api, target: Target, body: Any, options: WriteOptions) -> Result:
    scale, warnings = normalize(
        check_type_meta(body, SCALE), SCALE, options.field_validation, options.strict_errors
    )
    check_name(scale, target)
    result = await _write(api, target, options, lambda current: scale, [requested_revision(scale)])
    result.warnings[:0] = warnings
    return result


async def patch_scale(
    api: Api, target: Target, patch_type: str, body: bytes, options: WriteOptions
) -> Result:
    requires_apply_options(patch_type, options)
    document = parse_patch(patch_type, body)
    required: list[int | None] = [None]

    def scale_of(current: dict[str, Any]) -> dict[str, Any]:
        required[0] = None
        view = to_scale(current)
        patched = apply_patch(patch_type, view, document, options, target, api.clock)
        scale, _ = normalize(check_type_meta(patched, SCALE), SCALE, options.field_validation)
        rv = (scale.get("metadata") or {}).get("resourceVersion")
        if rv != view["metadata"].get("resourceVersion"):
            required[0] = requested_revision(scale)
        return scale

    return await _write(api, target, options, scale_of, required)
