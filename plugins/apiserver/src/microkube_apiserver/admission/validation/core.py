"""core/v1 kinds other than pods: Service, ConfigMap, Secret, Namespace, Endpoints, Node."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from microkube_apiserver.admission.validation import field
from microkube_apiserver.admission.validation.field import FieldError
from microkube_apiserver.admission.validation.meta import validate_labels
from microkube_apiserver.admission.validation.names import config_key, dns1123_label

__all__ = ["UPDATE_VALIDATORS", "VALIDATORS"]

SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
PROTOCOLS = ("SCTP", "TCP", "UDP")
_DATA_LIMIT = 1024 * 1024


def _port(value: Any, path: str) -> list[FieldError]:
    if isinstance(value, int) and not 1 <= value <= 65535:
        return [field.invalid(path, value, "must be between 1 and 65535, inclusive")]
    return []


def validate_service(obj: dict[str, Any]) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors: list[FieldError] = []
    kind = spec.get("type", "ClusterIP")
    if kind not in SERVICE_TYPES:
        errors.append(field.not_supported("spec.type", kind, SERVICE_TYPES))
    ports = spec.get("ports") or []
    headless = spec.get("clusterIP") == "None"
    if kind == "ExternalName":
        if not spec.get("externalName"):
            errors.append(field.required("spec.externalName"))
    elif not ports and not headless:
        errors.append(field.required("spec.ports"))
    names: set[str] = set()
    seen_ports: set[tuple[Any, Any]] = set()
    for index, port in enumerate(ports):
        at = f"spec.ports[{index}]"
        name = port.get("name") or ""
        if len(ports) > 1 and not name:
            errors.append(field.required(f"{at}.name"))
        if name:
            errors += [field.invalid(f"{at}.name", name, e) for e in dns1123_label(name)]
            if name in names:
                errors.append(field.duplicate(f"{at}.name", name))
            names.add(name)
        number = port.get("port")
        if number is None:
            errors.append(field.required(f"{at}.port"))
        errors += _port(number, f"{at}.port")
        protocol = port.get("protocol", "TCP")
        if protocol not in PROTOCOLS:
            errors.append(field.not_supported(f"{at}.protocol", protocol, PROTOCOLS))
        if (number, protocol) in seen_ports:
            errors.append(field.duplicate(at, {"port": number, "protocol": protocol}))
        seen_ports.add((number, protocol))
        errors += _port(port.get("targetPort"), f"{at}.targetPort")
        if port.get("nodePort") and kind in ("ClusterIP", "ExternalName"):
            errors.append(
                field.forbidden(f"{at}.nodePort", f"may not be used when `type` is '{kind}'")
            )
    affinity = spec.get("sessionAffinity")
    if affinity and affinity not in ("ClientIP", "None"):
        errors.append(field.not_supported("spec.sessionAffinity", affinity, ("ClientIP", "None")))
    errors += validate_labels(spec.get("selector"), "spec.selector")
    return errors


def validate_service_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    old_ips = old_spec.get("clusterIPs") or (
        [old_spec["clusterIP"]] if old_spec.get("clusterIP") else []
    )
    new_ips = new_spec.get("clusterIPs") or (
        [new_spec["clusterIP"]] if new_spec.get("clusterIP") else []
    )
    if old_ips and new_spec.get("type") != "ExternalName" and new_ips[:1] != old_ips[:1]:
        return [field.invalid("spec.clusterIPs[0]", new_ips, "may not change once set")]
    return []


def _data_keys(obj: dict[str, Any], *, secret: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    total = 0
    keys: set[str] = set()
    binary = "data" if secret else "binaryData"
    for section in ("data", "binaryData", "stringData") if not secret else ("data", "stringData"):
        for key, value in (obj.get(section) or {}).items():
            errors += [field.invalid(f"{section}[{key}]", key, e) for e in config_key(key)]
            if section in ("data", "binaryData") and key in keys:
                errors.append(
                    field.invalid(f"{section}[{key}]", key, "duplicate of key present in data")
                )
            keys.add(key)
            if section == binary:
                try:
                    total += len(base64.b64decode(value, validate=True))
                except (binascii.Error, ValueError):
                    errors.append(
                        field.invalid(f"{section}[{key}]", "<value omitted>", "illegal base64 data")
                    )
            else:
                total += len(value)
    if total > _DATA_LIMIT:
        errors.append(field.too_long("data" if secret else "", _DATA_LIMIT))
    return errors


def validate_config_map(obj: dict[str, Any]) -> list[FieldError]:
    return _data_keys(obj, secret=False)


def validate_secret(obj: dict[str, Any]) -> list[FieldError]:
    return _data_keys(obj, secret=True)


def _immutable_data(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    if old.get("immutable"):
        if not new.get("immutable"):
            errors.append(
                field.forbidden("immutable", "field is immutable when `immutable` is set")
            )
        for section in ("data", "binaryData"):
            if new.get(section) != old.get(section):
                errors.append(
                    field.forbidden(section, "field is immutable when `immutable` is set")
                )
    return errors


def validate_secret_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    errors = _immutable_data(new, old)
    if new.get("type") != old.get("type"):
        errors.append(field.invalid("type", new.get("type"), "field is immutable"))
    return errors


def validate_endpoints(obj: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    for s_index, subset in enumerate(obj.get("subsets") or []):
        for a_index, address in enumerate(subset.get("addresses") or []):
            if not address.get("ip"):
                errors.append(field.required(f"subsets[{s_index}].addresses[{a_index}].ip"))
        for p_index, port in enumerate(subset.get("ports") or []):
            errors += _port(port.get("port"), f"subsets[{s_index}].ports[{p_index}].port")
    return errors


VALIDATORS = {
    ("", "Service"): validate_service,
    ("", "ConfigMap"): validate_config_map,
    ("", "Secret"): validate_secret,
    ("", "Endpoints"): validate_endpoints,
}

UPDATE_VALIDATORS = {
    ("", "Service"): validate_service_update,
    ("", "ConfigMap"): _immutable_data,
    ("", "Secret"): validate_secret_update,
}
