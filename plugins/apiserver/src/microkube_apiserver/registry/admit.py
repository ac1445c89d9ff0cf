"""Running the admission chain for one write and turning a denial into a Status."""

from __future__ import annotations

from typing import Any

from microkube.contracts.admission import (
    AdmissionDenied,
    AdmissionRequest,
    GroupVersionResource,
    Operation,
)
from microkube_apiserver import errors
from microkube_apiserver.registry.context import Api, Target, WriteOptions

__all__ = ["admission_request", "denial_to_error", "run_admission"]


def admission_request(
    operation: Operation,
    target: Target,
    obj: dict[str, Any] | None,
    old: dict[str, Any] | None,
    options: WriteOptions,
) -> AdmissionRequest:
    resource = target.resource
    name = target.name or ((obj or {}).get("metadata") or {}).get("name") or ""
    return AdmissionRequest(
        operation=operation,
        resource=GroupVersionResource(
            group=resource.group, version=resource.version, resource=resource.plural
        ),
        kind=resource.kind,
        namespace=target.namespace,
        name=name,
        subresource=target.subresource,
        object=obj,
        old_object=old,
        user=options.user,
        dry_run=options.dry_run,
    )


def denial_to_error(denied: AdmissionDenied, target: Target, name: str) -> errors.ApiError:
    causes = [{"reason": c.reason, "message": c.message, "field": c.field} for c in denied.causes]
    group, plural = target.group, target.plural
    if denied.code == 403 and denied.reason == "Forbidden":
        return errors.forbidden(group, plural, name, denied.message, causes)
    details: dict[str, Any] = {"name": name} if name else {}
    if group:
        details["group"] = group
    details["kind"] = target.resource.kind if denied.reason == "Invalid" else plural
    if causes:
        details["causes"] = causes
    return errors.ApiError(denied.code, denied.reason, denied.message, details=details)


async def run_admission(api: Api, request: AdmissionRequest, target: Target) -> None:
    try:
        await api.admission.run(request)
    except AdmissionDenied as denied:
        raise denial_to_error(denied, target, request.name) from None
