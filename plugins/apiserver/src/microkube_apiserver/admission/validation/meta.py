"""ObjectMeta: the name (by the kind's rule), labels, annotations, owner references."""

from __future__ import annotations

import json
from typing import Any

from microkube_apiserver.admission.validation import field
from microkube_apiserver.admission.validation.field import FieldError
from microkube_apiserver.admission.validation.names import NameCheck, label_value, qualified_name

__all__ = ["validate_labels", "validate_metadata", "validate_metadata_update"]

_ANNOTATIONS_LIMIT = 256 * 1024


def validate_labels(labels: Any, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for key, value in (labels or {}).items():
        errors += [field.invalid(path, key, e) for e in qualified_name(key)]
        errors += [field.invalid(path, value, e) for e in label_value(value)]
    return errors


def validate_metadata(obj: dict[str, Any], name_check: NameCheck) -> list[FieldError]:
    metadata = obj.get("metadata") or {}
    errors: list[FieldError] = []
    name = metadata.get("name") or ""
    if not name:
        errors.append(field.required("metadata.name", "name or generateName is required"))
    else:
        errors += [field.invalid("metadata.name", name, e) for e in name_check(name)]
    errors += validate_labels(metadata.get("labels"), "metadata.labels")
    annotations = metadata.get("annotations") or {}
    for key in annotations:
        key_errors = qualified_name(key.lower())
        errors += [field.invalid("metadata.annotations", key, e) for e in key_errors]
    size = sum(len(k) + len(v) for k, v in annotations.items())
    if size > _ANNOTATIONS_LIMIT:
        errors.append(field.too_long("metadata.annotations", _ANNOTATIONS_LIMIT))
    for index, ref in enumerate(metadata.get("ownerReferences") or []):
        path = f"metadata.ownerReferences[{index}]"
        for key in ("apiVersion", "kind", "name", "uid"):
            if not ref.get(key):
                errors.append(field.required(f"{path}.{key}", f"{key} must not be empty"))
    controllers = [r for r in metadata.get("ownerReferences") or [] if r.get("controller")]
    if len(controllers) > 1:
        names = ", ".join(json.dumps(r.get("name")) for r in controllers)
        errors.append(
            field.invalid(
                "metadata.ownerReferences",
                controllers,
                f'Only one reference can have Controller set to true. Found "true" in '
                f"references for {names}",
            )
        )
    return errors


def validate_metadata_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    """What an update may not change in metadata (the server already keeps uid etc.)."""
    errors: list[FieldError] = []
    new_meta, old_meta = new.get("metadata") or {}, old.get("metadata") or {}
    if old_meta.get("deletionTimestamp"):
        gone = set(new_meta.get("finalizers") or []) - set(old_meta.get("finalizers") or [])
        if gone:
            errors.append(
                field.forbidden(
                    "metadata.finalizers",
                    f"no new finalizers can be added if the object is being deleted, found new "
                    f"finalizers {json.dumps(sorted(gone))}",
                )
            )
    return errors
