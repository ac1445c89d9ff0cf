"""An object from a request body, checked against the URL and normalised by the converter.

Decoding is where ``fieldValidation`` acts, with kube-apiserver's wording:
``Deployment in version "v1" cannot be handled as a Deployment: strict decoding error:
unknown field "spec.foo"`` (400 under Strict), ``unknown field "spec.foo"`` warnings under
Warn (the default), nothing under Ignore. Wrong JSON types are always a 400 naming the path.
The result is the converter's canonical JSON (quantities canonicalised, empties omitted).
"""

from __future__ import annotations

from typing import Any

from microkube.api import StructureError, from_dict, from_dict_lenient, kind_for, to_dict
from microkube_apiserver import errors
from microkube_apiserver.discovery import GroupVersionKind

__all__ = ["FIELD_VALIDATIONS", "check_apply_types", "check_type_meta", "normalize"]

FIELD_VALIDATIONS = ("Strict", "Warn", "Ignore")


def _prefix(gvk: GroupVersionKind) -> str:
    return f'{gvk.kind} in version "{gvk.version}" cannot be handled as a {gvk.kind}'


def check_type_meta(body: Any, gvk: GroupVersionKind) -> dict[str, Any]:
    """``body`` as an object of ``gvk``: apiVersion and kind may be omitted, not differ."""
    if not isinstance(body, dict):
        raise errors.bad_request(
            f"{_prefix(gvk)}: the request body must be a JSON object, "
            f"not {type(body).__name__.replace('NoneType', 'null')}"
        )
    api_version = body.get("apiVersion")
    kind = body.get("kind")
    if api_version not in (None, "") and api_version != gvk.api_version:
        raise errors.bad_request(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({gvk.api_version})"
        )
    if kind not in (None, "") and kind != gvk.kind:
        raise errors.bad_request(
            f"the kind in the data ({kind}) does not match the expected kind ({gvk.kind})"
        )
    return {**body, "apiVersion": gvk.api_version, "kind": gvk.kind}


def normalize(
    body: dict[str, Any], gvk: GroupVersionKind, field_validation: str
) -> tuple[dict[str, Any], list[str]]:
    """The canonical JSON of ``body`` and the warnings to send (unknown fields under Warn)."""
    cls = kind_for(gvk.api_version, gvk.kind)
    try:
        if field_validation == "Strict":
            return to_dict(from_dict(body, cls)), []
        model, unknown = from_dict_lenient(body, cls)
    except StructureError as exc:
        raise _decoding_error(exc, gvk) from None
    warnings = [f'unknown field "{path}"' for path in unknown]
    return to_dict(model), warnings if field_validation == "Warn" else []


def _decoding_error(exc: StructureError, gvk: GroupVersionKind) -> errors.ApiError:
    others = [e for e in exc.errors if not e.unknown]
    if others:
        detail = "; ".join(f"{e.message} at {_path(e.path)}" for e in others)
        return errors.bad_request(f"{_prefix(gvk)}: {detail}")
    unknown = ", ".join(f'unknown field "{path}"' for path in exc.unknown_fields)
    return errors.bad_request(f"{_prefix(gvk)}: strict decoding error: {unknown}")


def _path(path: str) -> str:
    return path.removeprefix("$").removeprefix(".") or "<root>"


def check_apply_types(
    config: dict[str, Any], gvk: GroupVersionKind, name: str, namespace: str
) -> None:
    """An apply configuration must have its kind's shape (the types; unknown fields are left to
    ``fieldValidation``): kube-apiserver converts it to a typed object first and refuses it
    with ``failed to create typed patch object (<ns>/<name>; <gvk>): <path>: <problem>``.
    Kubernetes 1.32 answers that with a 500 (an acknowledged bug); here it is a 400."""
    try:
        from_dict_lenient(config, kind_for(gvk.api_version, gvk.kind))
    except StructureError as exc:
        detail = "; ".join(f".{_path(e.path)}: {e.message}" for e in exc.errors if not e.unknown)
        where = f"{namespace}/{name}" if namespace else name
        raise errors.bad_request(
            f"failed to create typed patch object ({where}; {gvk.group}/{gvk.version}, "
            f"Kind={gvk.kind}): {detail}"
        ) from None
