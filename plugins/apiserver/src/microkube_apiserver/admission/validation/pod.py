"""PodSpec (for pods and pod templates) and pod updates."""

from __future__ import annotations

import json
from typing import Any

from microkube.api import Quantity
from microkube_apiserver.admission.validation import field
from microkube_apiserver.admission.validation.field import FieldError
from microkube_apiserver.admission.validation.meta import validate_labels
from microkube_apiserver.admission.validation.names import dns1123_label

__all__ = ["POD_UPDATE_FORBIDDEN", "validate_pod_spec", "validate_pod_update", "validate_template"]

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
PROTOCOLS = ("SCTP", "TCP", "UDP")

POD_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
    "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be "
    "set to 1 if it was previously negative)"
)


def _containers(containers: Any, path: str, volumes: set[str], seen: set[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    for index, container in enumerate(containers or []):
        at = f"{path}[{index}]"
        name = container.get("name") or ""
        if not name:
            errors.append(field.required(f"{at}.name"))
        else:
            errors += [field.invalid(f"{at}.name", name, e) for e in dns1123_label(name)]
            if name in seen:
                errors.append(field.duplicate(f"{at}.name", name))
            seen.add(name)
        if not container.get("image"):
            errors.append(field.required(f"{at}.image"))
        policy = container.get("imagePullPolicy")
        if policy and policy not in PULL_POLICIES:
            errors.append(field.not_supported(f"{at}.imagePullPolicy", policy, PULL_POLICIES))
        for p_index, port in enumerate(container.get("ports") or []):
            p_at = f"{at}.ports[{p_index}]"
            number = port.get("containerPort", 0)
            if not 1 <= number <= 65535:
                errors.append(
                    field.invalid(
                        f"{p_at}.containerPort", number, "must be between 1 and 65535, inclusive"
                    )
                )
            host = port.get("hostPort")
            if host is not None and host != 0 and not 1 <= host <= 65535:
                errors.append(
                    field.invalid(
                        f"{p_at}.hostPort", host, "must be between 1 and 65535, inclusive"
                    )
                )
            protocol = port.get("protocol")
            if protocol and protocol not in PROTOCOLS:
                errors.append(field.not_supported(f"{p_at}.protocol", protocol, PROTOCOLS))
        for m_index, mount in enumerate(container.get("volumeMounts") or []):
            m_at = f"{at}.volumeMounts[{m_index}]"
            if not mount.get("name"):
                errors.append(field.required(f"{m_at}.name"))
            elif mount["name"] not in volumes:
                errors.append(field.not_found(f"{m_at}.name", mount["name"]))
            if not mount.get("mountPath"):
                errors.append(field.required(f"{m_at}.mountPath"))
        errors += _resources(container.get("resources") or {}, f"{at}.resources")
    return errors


def _resources(resources: dict[str, Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    limits = resources.get("limits") or {}
    for name, value in (resources.get("requests") or {}).items():
        if name in limits and Quantity(str(value)) > Quantity(str(limits[name])):
            errors.append(
                field.invalid(
                    f"{path}.requests",
                    str(value),
                    f"must be less than or equal to {name} limit of {limits[name]}",
                )
            )
    for kind in ("requests", "limits"):
        for name, value in (resources.get(kind) or {}).items():
            if Quantity(str(value)).sign() < 0:
                errors.append(
                    field.invalid(
                        f"{path}.{kind}[{name}]", str(value), "must be greater than or equal to 0"
                    )
                )
    return errors


def validate_pod_spec(spec: dict[str, Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    volumes: set[str] = set()
    for index, volume in enumerate(spec.get("volumes") or []):
        name = volume.get("name") or ""
        at = f"{path}.volumes[{index}].name"
        if not name:
            errors.append(field.required(at))
        else:
            errors += [field.invalid(at, name, e) for e in dns1123_label(name)]
            if name in volumes:
                errors.append(field.duplicate(at, name))
            volumes.add(name)
    if not spec.get("containers"):
        errors.append(field.required(f"{path}.containers"))
    seen: set[str] = set()
    errors += _containers(spec.get("containers"), f"{path}.containers", volumes, seen)
    errors += _containers(spec.get("initContainers"), f"{path}.initContainers", volumes, seen)
    policy = spec.get("restartPolicy")
    if policy and policy not in RESTART_POLICIES:
        errors.append(field.not_supported(f"{path}.restartPolicy", policy, RESTART_POLICIES))
    dns = spec.get("dnsPolicy")
    if dns and dns not in DNS_POLICIES:
        errors.append(field.not_supported(f"{path}.dnsPolicy", dns, DNS_POLICIES))
    grace = spec.get("terminationGracePeriodSeconds")
    if grace is not None and grace < 0:
        errors.append(field.invalid(f"{path}.terminationGracePeriodSeconds", grace, "must be >= 0"))
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and deadline <= 0:
        errors.append(
            field.invalid(
                f"{path}.activeDeadlineSeconds",
                deadline,
                "must be between 1 and 2147483647, inclusive",
            )
        )
    return errors


def validate_template(template: Any, path: str) -> list[FieldError]:
    """A PodTemplateSpec: labels and the pod spec."""
    if not template:
        return [field.required(path)]
    labels = (template.get("metadata") or {}).get("labels")
    errors = validate_labels(labels, f"{path}.metadata.labels")
    return errors + validate_pod_spec(template.get("spec") or {}, f"{path}.spec")


def _mutable_view(spec: dict[str, Any]) -> dict[str, Any]:
    view = json.loads(json.dumps(spec))
    for key in ("containers", "initContainers"):
        for container in view.get(key) or []:
            container.pop("image", None)
    for key in (
        "activeDeadlineSeconds",
        "tolerations",
        "terminationGracePeriodSeconds",
        "schedulingGates",
    ):
        view.pop(key, None)
    return view


def validate_pod_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    errors: list[FieldError] = []
    if _mutable_view(new_spec) != _mutable_view(old_spec):
        errors.append(field.forbidden("spec", POD_UPDATE_FORBIDDEN))
    old_tolerations = old_spec.get("tolerations") or []
    if any(t not in (new_spec.get("tolerations") or []) for t in old_tolerations):
        errors.append(
            field.forbidden(
                "spec.tolerations",
                "existing toleration can not be modified except its tolerationSeconds",
            )
        )
    # Scheduling gates may only be removed (the scheduler waits for them to go).
    old_gates = {g.get("name") for g in old_spec.get("schedulingGates") or []}
    for gate in new_spec.get("schedulingGates") or []:
        if gate.get("name") not in old_gates:
            errors.append(
                field.forbidden(
                    "spec.schedulingGates",
                    f"only deletion is allowed, but found new scheduling gate '{gate.get('name')}'",
                )
            )
    return errors
