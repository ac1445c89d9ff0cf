"""The cluster-scoped core kinds: Node (taints, pod CIDRs, what an update may change) and
Namespace (its spec finalizers), with Kubernetes 1.32's paths and messages — node taints are
reported under ``metadata.taints`` as kube-apiserver reports them."""

from __future__ import annotations

import ipaddress
from typing import Any

from microkube_apiserver.admission.validation import field
from microkube_apiserver.admission.validation.field import FieldError
from microkube_apiserver.admission.validation.names import label_value, qualified_name

__all__ = ["UPDATE_VALIDATORS", "VALIDATORS"]

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")
_IMMUTABLE_CIDR = 'node updates may not change podCIDR except from "" to valid'
_IMMUTABLE_PROVIDER = 'node updates may not change providerID except from "" to valid'


def _taints(taints: list[dict[str, Any]]) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for index, taint in enumerate(taints):
        path = f"metadata.taints[{index}]"
        key, value, effect = taint.get("key") or "", taint.get("value") or "", taint.get("effect")
        errors += [field.invalid(f"{path}.key", key, e) for e in qualified_name(key)]
        problems = label_value(value)
        if problems:
            errors.append(field.invalid(f"{path}.value", value, ";".join(problems)))
        if not effect:
            errors.append(field.required(f"{path}.effect"))
        elif effect not in TAINT_EFFECTS:
            errors.append(field.not_supported(f"{path}.effect", effect, TAINT_EFFECTS))
        if (key, effect or "") in seen:
            detail = "taints must be unique by key and effect pair"
            errors.append(FieldError("Duplicate", path, taint, detail))
            continue
        seen.add((key, effect or ""))
    return errors


def _pod_cidrs(spec: dict[str, Any]) -> list[str]:
    """``spec.podCIDRs``, or the older single ``podCIDR`` (converted as Kubernetes does)."""
    cidrs = spec.get("podCIDRs") or []
    return cidrs or ([spec["podCIDR"]] if spec.get("podCIDR") else [])


def _cidr(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if "/" not in value:
        return None
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def validate_node(obj: dict[str, Any]) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors = _taints(spec.get("taints") or [])
    cidrs = _pod_cidrs(spec)
    parsed = [_cidr(c) for c in cidrs]
    for index, network in enumerate(parsed):
        if network is None:
            errors.append(field.invalid(f"spec.podCIDRs[{index}]", cidrs, "must be valid CIDR"))
    if len(cidrs) > 1:
        families = {n.version for n in parsed if n is not None}
        if len(cidrs) > 2 or families != {4, 6}:
            errors.append(
                field.invalid(
                    "spec.podCIDRs", cidrs, "may specify no more than one CIDR for each IP family"
                )
            )
        for index, value in enumerate(cidrs):
            if value in cidrs[:index]:
                errors.append(field.duplicate(f"spec.podCIDRs[{index}]", value))
    return errors


def validate_node_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    errors: list[FieldError] = []
    old_cidrs, new_cidrs = _pod_cidrs(old_spec), _pod_cidrs(new_spec)
    if old_cidrs and old_cidrs != new_cidrs:
        errors.append(field.forbidden("spec.podCIDRs", _IMMUTABLE_CIDR))
    provider = old_spec.get("providerID")
    if provider and provider != new_spec.get("providerID"):
        errors.append(field.forbidden("spec.providerID", _IMMUTABLE_PROVIDER))
    addresses = ((new.get("status") or {}).get("addresses")) or []
    for index, address in enumerate(addresses):
        if address in addresses[:index]:
            errors.append(field.duplicate(f"status.addresses[{index}]", address))
    return errors


def validate_namespace(obj: dict[str, Any]) -> list[FieldError]:
    """Spec finalizers are qualified names, and a one-part name must be a standard one."""
    errors: list[FieldError] = []
    for finalizer in (obj.get("spec") or {}).get("finalizers") or []:
        problems = qualified_name(finalizer)
        errors += [field.invalid("spec.finalizers", finalizer, p) for p in problems]
        if not problems and "/" not in finalizer and finalizer not in _STANDARD_FINALIZERS:
            errors.append(
                field.invalid(
                    "spec.finalizers",
                    finalizer,
                    "name is neither a standard finalizer name nor is it fully qualified",
                )
            )
    return errors


VALIDATORS = {("", "Node"): validate_node, ("", "Namespace"): validate_namespace}
UPDATE_VALIDATORS = {("", "Node"): validate_node_update}
