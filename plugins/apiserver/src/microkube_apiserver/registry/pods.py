"""Pod subresources: ``binding`` (the scheduler's assignment) and ``eviction``.

Evictions are graceful deletions; PodDisruptionBudgets are not consulted yet (the disruption
controller that keeps their status comes with a later issue), so every eviction is allowed.
"""

from __future__ import annotations

from typing import Any

from microkube_apiserver import errors
from microkube_apiserver.discovery import GroupVersionKind
from microkube_apiserver.registry.context import Api, Result, Target, WriteOptions
from microkube_apiserver.registry.decoding import check_type_meta, normalize
from microkube_apiserver.registry.deletion import delete, parse_delete_options
from microkube_apiserver.registry.meta import format_time
from microkube_apiserver.registry.update import guaranteed_update

__all__ = ["bind", "evict"]

BINDING = GroupVersionKind("", "v1", "Binding")
EVICTION = GroupVersionKind("policy", "v1", "Eviction")


def _required(kind: str, group: str, name: str, field: str) -> errors.ApiError:
    message = "Required value"
    return errors.invalid(
        group,
        kind,
        name,
        [f"{field}: {message}"],
        [{"reason": "FieldValueRequired", "message": message, "field": field}],
    )


async def bind(api: Api, pod: Target, body: Any, options: WriteOptions) -> Result:
    """POST ``pods/<name>/binding`` (or ``bindings`` with the pod's name in the body)."""
    binding, _ = normalize(
        check_type_meta(body, BINDING), BINDING, options.field_validation, options.strict_errors
    )
    metadata = binding.get("metadata") or {}
    if metadata.get("name") and metadata["name"] != pod.name:
        raise errors.bad_request(
            f"the name of the object ({metadata['name']}) does not match the name on the URL "
            f"({pod.name})"
        )
    node = (binding.get("target") or {}).get("name")
    if not node:
        raise _required("Binding", "", pod.name, "target.name")
    annotations = metadata.get("annotations") or {}
    now = format_time(api.clock())

    async def transform(obj: dict[str, Any]) -> dict[str, Any]:
        obj_meta = obj.setdefault("metadata", {})
        spec = obj.setdefault("spec", {})
        if obj_meta.get("deletionTimestamp"):
            raise errors.conflict(
                "",
                "pods/binding",
                pod.name,
                f"pod {pod.name} is being deleted, cannot be assigned to a host",
            )
        if spec.get("nodeName"):
            raise errors.conflict(
                "",
                "pods/binding",
                pod.name,
                f'pod {pod.name} is already assigned to node "{spec["nodeName"]}"',
            )
        spec["nodeName"] = node
        if annotations:
            obj_meta["annotations"] = {**(obj_meta.get("annotations") or {}), **annotations}
        status = obj.setdefault("status", {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        conditions.append(
            {
                "type": "PodScheduled",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": now,
            }
        )
        status["conditions"] = conditions
        return obj

    await guaranteed_update(api, pod, transform, options, admit=False)
    return Result(201, errors.success_status(code=201))


async def evict(api: Api, pod: Target, body: Any, options: WriteOptions) -> Result:
    """POST ``pods/<name>/eviction``: delete the pod gracefully with the eviction's options."""
    eviction, _ = normalize(check_type_meta(body, EVICTION), EVICTION, "Ignore")
    name = (eviction.get("metadata") or {}).get("name")
    if name and name != pod.name:
        raise errors.bad_request("name in URL does not match name in Eviction object")
    delete_options = parse_delete_options(eviction.get("deleteOptions") or {}, {})
    await delete(api, pod, delete_options, options)
    return Result(201, errors.success_status(code=201))
