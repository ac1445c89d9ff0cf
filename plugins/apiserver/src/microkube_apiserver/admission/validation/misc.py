"""RBAC, coordination and discovery kinds."""

from __future__ import annotations

from typing import Any

from microkube_apiserver.admission.validation import field
from microkube_apiserver.admission.validation.field import FieldError

__all__ = ["UPDATE_VALIDATORS", "VALIDATORS"]

_RBAC = "rbac.authorization.k8s.io"
ADDRESS_TYPES = ("FQDN", "IPv4", "IPv6")


def validate_role(obj: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, rule in enumerate(obj.get("rules") or []):
        at = f"rules[{index}]"
        if not rule.get("verbs"):
            errors.append(field.required(f"{at}.verbs", "verbs must contain at least one value"))
        if not rule.get("nonResourceURLs") and not rule.get("resources"):
            errors.append(
                field.required(
                    f"{at}.resources", "resource rules must supply at least one resource"
                )
            )
    return errors


def validate_binding(obj: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    ref = obj.get("roleRef") or {}
    if not ref.get("name"):
        errors.append(field.required("roleRef.name"))
    if ref.get("kind") not in ("Role", "ClusterRole"):
        errors.append(
            field.not_supported("roleRef.kind", ref.get("kind", ""), ("ClusterRole", "Role"))
        )
    for index, subject in enumerate(obj.get("subjects") or []):
        if not subject.get("name"):
            errors.append(field.required(f"subjects[{index}].name"))
        if subject.get("kind") not in ("ServiceAccount", "User", "Group"):
            errors.append(
                field.not_supported(
                    f"subjects[{index}].kind",
                    subject.get("kind", ""),
                    ("Group", "ServiceAccount", "User"),
                )
            )
    return errors


def binding_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    if new.get("roleRef") != old.get("roleRef"):
        return [field.invalid("roleRef", new.get("roleRef"), "cannot change roleRef")]
    return []


def validate_lease(obj: dict[str, Any]) -> list[FieldError]:
    spec = obj.get("spec") or {}
    duration = spec.get("leaseDurationSeconds")
    if duration is not None and duration <= 0:
        return [field.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0")]
    return []


def validate_endpoint_slice(obj: dict[str, Any]) -> list[FieldError]:
    address_type = obj.get("addressType")
    if not address_type:
        return [field.required("addressType")]
    if address_type not in ADDRESS_TYPES:
        return [field.not_supported("addressType", address_type, ADDRESS_TYPES)]
    errors: list[FieldError] = []
    for index, endpoint in enumerate(obj.get("endpoints") or []):
        if not endpoint.get("addresses"):
            errors.append(
                field.required(f"endpoints[{index}].addresses", "must contain at least 1 address")
            )
    return errors


VALIDATORS = {
    (_RBAC, "Role"): validate_role,
    (_RBAC, "ClusterRole"): validate_role,
    (_RBAC, "RoleBinding"): validate_binding,
    (_RBAC, "ClusterRoleBinding"): validate_binding,
    ("coordination.k8s.io", "Lease"): validate_lease,
    ("discovery.k8s.io", "EndpointSlice"): validate_endpoint_slice,
}

UPDATE_VALIDATORS = {
    (_RBAC, "RoleBinding"): binding_update,
    (_RBAC, "ClusterRoleBinding"): binding_update,
}
