"""Field errors in Kubernetes' wording (k8s.io/apimachinery ``util/validation/field``).

``spec.replicas: Invalid value: -1: must be greater than or equal to 0`` — the path, the
error type, the offending value printed as Go prints it, and a detail.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from microkube.contracts.admission import AdmissionDenied, Cause

__all__ = [
    "FieldError",
    "denial",
    "duplicate",
    "forbidden",
    "go_value",
    "invalid",
    "invalid_message",
    "not_found",
    "not_supported",
    "required",
    "too_long",
]

_TYPES = {
    "Required": ("Required value", "FieldValueRequired"),
    "Invalid": ("Invalid value", "FieldValueInvalid"),
    "NotSupported": ("Unsupported value", "FieldValueNotSupported"),
    "Forbidden": ("Forbidden", "FieldValueForbidden"),
    "Duplicate": ("Duplicate value", "FieldValueDuplicate"),
    "TooLong": ("Too long", "FieldValueTooLong"),
    "NotFound": ("Not found", "FieldValueNotFound"),
}
_NO_VALUE = ("Required", "Forbidden", "TooLong")


def go_value(value: Any) -> str:
    """A value as Go's ``%q``/``%v``/``%#v`` prints it in a field error."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        items = ", ".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in sorted(value.items()))
        return "map[string]string{" + items + "}"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "[]string{" + ", ".join(json.dumps(v) for v in value) + "}"
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


@attrs.frozen
class FieldError:
    type: str
    field: str
    value: Any = None
    detail: str = ""

    @property
    def body(self) -> str:
        """``Invalid value: "x": detail`` (no path)."""
        label = _TYPES[self.type][0]
        text = label if self.type in _NO_VALUE else f"{label}: {go_value(self.value)}"
        return f"{text}: {self.detail}" if self.detail else text

    def __str__(self) -> str:
        return f"{self.field}: {self.body}"

    def cause(self) -> Cause:
        return Cause(field=self.field, message=self.body, reason=_TYPES[self.type][1])


def required(field: str, detail: str = "") -> FieldError:
    return FieldError("Required", field, None, detail)


def invalid(field: str, value: Any, detail: str) -> FieldError:
    return FieldError("Invalid", field, value, detail)


def not_supported(field: str, value: Any, supported: list[str] | tuple[str, ...]) -> FieldError:
    detail = "supported values: " + ", ".join(f'"{s}"' for s in supported)
    return FieldError("NotSupported", field, value, detail)


def forbidden(field: str, detail: str) -> FieldError:
    return FieldError("Forbidden", field, None, detail)


def duplicate(field: str, value: Any) -> FieldError:
    return FieldError("Duplicate", field, value)


def not_found(field: str, value: Any) -> FieldError:
    return FieldError("NotFound", field, value)


def too_long(field: str, limit: int) -> FieldError:
    return FieldError("TooLong", field, None, f"must have at most {limit} bytes")


def invalid_message(kind: str, group: str, name: str, errors: list[FieldError]) -> str:
    """``Deployment.apps "x" is invalid: <error>`` (several errors in brackets)."""
    qualified = f"{kind}.{group}" if group else kind
    texts = [str(e) for e in errors]
    joined = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    return f'{qualified} "{name}" is invalid: {joined}'


def denial(kind: str, group: str, name: str, errors: list[FieldError]) -> AdmissionDenied:
    """The 422 Invalid admission denial of ``errors``."""
    return AdmissionDenied(
        invalid_message(kind, group, name, errors),
        code=422,
        reason="Invalid",
        causes=tuple(e.cause() for e in errors),
    )
