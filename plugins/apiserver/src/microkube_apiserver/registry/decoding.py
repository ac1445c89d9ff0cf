"""An object from a request body, checked against the URL and normalised by the converter.

Decoding is where ``fieldValidation`` acts, with kube-apiserver's wording:
``Deployment in version "v1" cannot be handled as a Deployment: strict decoding error:
unknown field "spec.foo"`` (400 under Strict), ``unknown field "spec.foo"`` warnings under
Warn (the default), nothing under Ignore. Wrong JSON types are always a 400 naming the path.
The result is the converter's canonical JSON (quantities canonicalised, empties omitted).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from microkube.api import StructureError, from_dict_lenient, kind_for, to_dict
from microkube.api.canonical import canonical
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
    body: dict[str, Any],
    gvk: GroupVersionKind,
    field_validation: str,
    strict_errors: Sequence[str] = (),
) -> tuple[dict[str, Any], list[str]]:
    """The canonical JSON of ``body`` and the warnings to send (unknown fields, and the
    ``strict_errors`` the body's decoding found, under Warn; a 400 for them under Strict)."""
    cls = kind_for(gvk.api_version, gvk.kind)
    # The common case (no unknown fields, every type right) without building the model.
    normalised = canonical(body, cls)
    unknown: list[str] = []
    if normalised is None:
        try:
            model, unknown = from_dict_lenient(body, cls)
        except StructureError as exc:
            others = "; ".join(f"{e.message} at {_path(e.path)}" for e in exc.errors)
            raise errors.bad_request(f"{_prefix(gvk)}: {others}") from None
        normalised = to_dict(model)
    found = [f'unknown field "{p}"' for p in unknown]
    found += [e for e in strict_errors if not e.startswith("yaml: ")]
    if len(found) > 1:
        found = _in_document_order(body, found)
    problems = [*_yaml_first(strict_errors), *found]
    if field_validation == "Strict" and problems:
        raise errors.bad_request(f"{_prefix(gvk)}: strict decoding error: {', '.join(problems)}")
    return normalised, problems if field_validation == "Warn" else []


def _paths(value: Any, path: str = "") -> Iterator[str]:
    """Every path in ``value``, in document order (``spec.containers[0].image``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            yield child
            yield from _paths(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, f"{path}[{index}]")


def _in_document_order(body: dict[str, Any], problems: list[str]) -> list[str]:
    """Unknown and duplicate fields in the order the strict decoder meets them."""
    order = {path: index for index, path in enumerate(_paths(body))}
    return sorted(problems, key=lambda text: order.get(text.split('"')[1], len(order)))


def _yaml_first(strict_errors: Sequence[str]) -> list[str]:
    """kube-apiserver checks a YAML body for duplicate keys before decoding it strictly."""
    return [e for e in strict_errors if e.startswith("yaml: ")]


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
