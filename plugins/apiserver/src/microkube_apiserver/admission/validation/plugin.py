"""Validation: refuses invalid objects with 422 Invalid and a cause per bad field, in
Kubernetes' format ``Deployment.apps "x" is invalid: spec.template.metadata.labels: Invalid
value: map[string]string{"app":"y"}: selector does not match template labels``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microkube.contracts.admission import AdmissionRequest, Operation
from microkube_apiserver.admission.validation import (
    cluster,
    core,
    events,
    misc,
    scaling,
    workloads,
)
from microkube_apiserver.admission.validation.field import FieldError, denial
from microkube_apiserver.admission.validation.meta import (
    validate_metadata,
    validate_metadata_update,
)
from microkube_apiserver.admission.validation.names import (
    NameCheck,
    dns1035_label,
    dns1123_label,
    dns1123_subdomain,
    path_segment_name,
)
from microkube_apiserver.admission.validation.pod import (
    validate_pod_spec,
    validate_pod_update,
    validate_template,
)

__all__ = ["Validation"]

_RBAC = "rbac.authorization.k8s.io"

#: How each kind's names are checked (default: DNS-1123 subdomain).
NAME_CHECKS: dict[tuple[str, str], NameCheck] = {
    ("", "Namespace"): dns1123_label,
    ("", "Service"): dns1035_label,
    (_RBAC, "Role"): path_segment_name,
    (_RBAC, "ClusterRole"): path_segment_name,
    (_RBAC, "RoleBinding"): path_segment_name,
    (_RBAC, "ClusterRoleBinding"): path_segment_name,
    ("batch", "CronJob"): lambda name: (
        dns1123_subdomain(name) + (["must be no more than 52 characters"] if len(name) > 52 else [])
    ),
}

#: Kinds whose metadata Kubernetes does not validate (core/v1 Events: only the legacy rules).
NO_METADATA_RULES = {("", "Event")}

Validator = Callable[[dict[str, Any]], list[FieldError]]
UpdateValidator = Callable[[dict[str, Any], dict[str, Any]], list[FieldError]]

VALIDATORS: dict[tuple[str, str], Validator] = {
    ("", "Pod"): lambda pod: validate_pod_spec(pod.get("spec") or {}, "spec"),
    ("", "PodTemplate"): lambda obj: validate_template(obj.get("template"), "template"),
    **core.VALIDATORS,
    **cluster.VALIDATORS,
    **events.VALIDATORS,
    **workloads.VALIDATORS,
    **misc.VALIDATORS,
    **scaling.VALIDATORS,
}
#: Rules only a create must pass (an update through the same API is checked otherwise).
CREATE_VALIDATORS: dict[tuple[str, str], Validator] = {**events.CREATE_VALIDATORS}
UPDATE_VALIDATORS: dict[tuple[str, str], UpdateValidator] = {
    ("", "Pod"): validate_pod_update,
    **core.UPDATE_VALIDATORS,
    **events.UPDATE_VALIDATORS,
    **cluster.UPDATE_VALIDATORS,
    **workloads.UPDATE_VALIDATORS,
    **misc.UPDATE_VALIDATORS,
    **scaling.UPDATE_VALIDATORS,
}


class Validation:
    name = "Validation"

    def handles(self, request: AdmissionRequest) -> bool:
        return (
            request.operation in (Operation.CREATE, Operation.UPDATE) and request.object is not None
        )

    async def validate(self, request: AdmissionRequest) -> None:
        obj = request.object
        if obj is None:
            return
        key = (request.resource.group, request.kind)
        errors: list[FieldError] = []
        if not request.subresource and key not in NO_METADATA_RULES:
            errors += validate_metadata(obj, NAME_CHECKS.get(key, dns1123_subdomain))
        if not request.subresource:
            validator = VALIDATORS.get(key)
            if validator is not None:
                errors += validator(obj)
            strict = CREATE_VALIDATORS.get(key)
            if strict is not None and request.operation is Operation.CREATE:
                errors += strict(obj)
        if request.operation is Operation.UPDATE and request.old_object is not None:
            errors += validate_metadata_update(obj, request.old_object)
            update = UPDATE_VALIDATORS.get(key)
            if update is not None and not request.subresource:
                errors += update(obj, request.old_object)
        if errors:
            raise denial(request.kind, request.resource.group, request.name, errors)
