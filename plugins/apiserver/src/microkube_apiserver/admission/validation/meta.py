"""ObjectMeta: the name (by the kind's rule), labels, annotations, owner references,
finalizers — Kubernetes 1.32's ``ValidateObjectMetaAccessor`` rules and messages."""

from __future__ import annotations

from typing import Any

from microkube_apiserver.admission.validation import field
from microkube_apiserver.admission.validation.field import FieldError
from microkube_apiserver.admission.validation.names import NameCheck, label_value, qualified_name

__all__ = [
    "validate_finalizers",
    "validate_labels",
    "validate_metadata",
    "validate_metadata_update",
    "validate_owner_references",
]

_ANNOTATIONS_LIMIT = 256 * 1024
_OWNERS = "metadata.ownerReferences"
#: Kinds that may not own anything (apimachinery's BannedOwners): (group, version, kind).
_BANNED_OWNERS = {("", "v1", "Event")}
_ORPHAN = "orphan"
_FOREGROUND = "foregroundDeletion"


def _mask_trailing_dash(prefix: str) -> str:
    """How Kubernetes checks a generateName as a name: a trailing dash (and the character
    before it) becomes ``a`` (apimachinery's ``maskTrailingDash``)."""
    if len(prefix) > 1 and prefix.endswith("-"):
        return prefix[:-2] + "a"
    return prefix


def _group_version(api_version: str) -> tuple[str, str]:
    """``schema.ParseGroupVersion``; an unparsable value gives no group and no version."""
    if api_version.count("/") > 1:
        return "", ""
    group, _, version = api_version.rpartition("/")
    return group, version


def validate_owner_references(refs: list[Any]) -> list[FieldError]:
    """Each reference names its owner fully (apiVersion, kind, name, uid), no Event owns
    anything, and at most one reference is the controller. Paths are the list's, unindexed,
    as Kubernetes reports them (``metadata.ownerReferences.uid``)."""
    errors: list[FieldError] = []
    first_controller = ""
    for ref in refs:
        api_version, kind = ref.get("apiVersion") or "", ref.get("kind") or ""
        group, version = _group_version(api_version)
        if not version:
            errors.append(
                field.invalid(f"{_OWNERS}.apiVersion", api_version, "version must not be empty")
            )
        for key in ("kind", "name", "uid"):
            if not ref.get(key):
                errors.append(
                    field.invalid(
                        f"{_OWNERS}.{key}", ref.get(key) or "", f"{key} must not be empty"
                    )
                )
        if (group, version, kind) in _BANNED_OWNERS:
            errors.append(
                field.invalid(
                    _OWNERS,
                    ref,
                    f"{group}/{version}, Kind={kind} is disallowed from being an owner",
                )
            )
        if ref.get("controller"):
            current = f"{kind}/{ref.get('name') or ''}"
            if first_controller:
                errors.append(
                    field.invalid(
                        _OWNERS,
                        refs,
                        'Only one reference can have Controller set to true. Found "true" in '
                        f"references for {first_controller} and {current}",
                    )
                )
            else:
                first_controller = current
    return errors


def validate_finalizers(finalizers: list[str]) -> list[FieldError]:
    """Finalizers are qualified names; ``orphan`` and ``foregroundDeletion`` exclude each other."""
    path = "metadata.finalizers"
    errors = [field.invalid(path, f, e) for f in finalizers for e in qualified_name(f)]
    if _ORPHAN in finalizers and _FOREGROUND in finalizers:
        errors.append(
            field.invalid(
                path, finalizers, f"finalizer {_ORPHAN} and {_FOREGROUND} cannot be both set"
            )
        )
    return errors


def validate_labels(labels: Any, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for key, value in (labels or {}).items():
        errors += [field.invalid(path, key, e) for e in qualified_name(key)]
        errors += [field.invalid(path, value, e) for e in label_value(value)]
    return errors


def validate_metadata(obj: dict[str, Any], name_check: NameCheck) -> list[FieldError]:
    metadata = obj.get("metadata") or {}
    errors: list[FieldError] = []
    generate_name = metadata.get("generateName") or ""
    if generate_name:
        masked = _mask_trailing_dash(generate_name)
        errors += [
            field.invalid("metadata.generateName", generate_name, e) for e in name_check(masked)
        ]
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
    errors += validate_owner_references(metadata.get("ownerReferences") or [])
    errors += validate_finalizers(metadata.get("finalizers") or [])
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
                    f"finalizers {field.go_value(sorted(gone))}",
                )
            )
    return errors
