"""PATCH: the four patch types, dispatched by Content-Type to :mod:`microkube_apiserver.patch`.

A patch applies to the current object (resourceVersion included, so a patch that sets one
makes the write conditional, as in Kubernetes), then goes the way of an update: decoding with
``fieldValidation``, server metadata, admission, compare-and-swap. An apply patch
(server-side apply) of an object that does not exist creates it (201).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from microkube_apiserver import errors
from microkube_apiserver.patch import (
    ApplyConflictError,
    PatchError,
    apply_json_patch,
    apply_merge_patch,
    apply_strategic_merge_patch,
    decode_json,
    server_side_apply,
)
from microkube_apiserver.registry.context import Target, WriteOptions
from microkube_apiserver.registry.managed import ignored_fields
from microkube_apiserver.yamljson import (
    YAMLError,
    load_yaml,
    may_have_surrogates,
    without_surrogates,
)

__all__ = ["APPLY", "PATCH_TYPES", "apply_patch", "parse_patch", "patch_error"]

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC, APPLY)


def patch_error(exc: PatchError) -> errors.ApiError:
    if isinstance(exc, ApplyConflictError):
        return errors.ApiError(409, "Conflict", exc.message, details={"causes": exc.causes})
    return errors.ApiError(exc.code, exc.reason, exc.message)


def parse_patch(patch_type: str, body: bytes) -> Any:
    """The patch document; malformed bodies are 400s."""
    try:
        if patch_type == APPLY:
            return load_yaml(body)
        document = decode_json(body)
        if may_have_surrogates(body):
            document = without_surrogates(document)
    except PatchError as exc:
        raise patch_error(exc) from None
    except YAMLError as exc:
        raise errors.bad_request(f"error decoding YAML: {exc}") from None
    if patch_type == JSON_PATCH and not isinstance(document, list):
        raise errors.bad_request(
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
        )
    if patch_type in (MERGE_PATCH, STRATEGIC) and not isinstance(document, dict):
        raise errors.bad_request("the patch body must be a JSON object")
    return document


def apply_patch(
    patch_type: str,
    current: dict[str, Any],
    patch: Any,
    options: WriteOptions,
    target: Target,
    now: Callable[[], Any],
) -> dict[str, Any]:
    """``current`` with ``patch`` applied (a new object)."""
    try:
        if patch_type == JSON_PATCH:
            patched = apply_json_patch(copy.deepcopy(current), patch)
        elif patch_type == MERGE_PATCH:
            patched = apply_merge_patch(current, patch)
        elif patch_type == STRATEGIC:
            patched = apply_strategic_merge_patch(current, patch)
        else:
            patched = server_side_apply(
                current,
                patch,
                manager=options.field_manager,
                force=options.force,
                subresource=target.subresource or None,
                now=now(),
                ignore=ignored_fields(target),
            )
    except PatchError as exc:
        raise patch_error(exc) from None
    if not isinstance(patched, dict):
        raise errors.bad_request("the patched object is not a JSON object")
    return patched


def requires_apply_options(patch_type: str, options: WriteOptions) -> None:
    """``fieldManager`` is required for apply, ``force`` only allowed with it (422)."""
    if patch_type == APPLY and not options.field_manager:
        message = "Required value: is required for apply patch"
        raise errors.invalid(
            "meta.k8s.io",
            "PatchOptions",
            "",
            [f"fieldManager: {message}"],
            [{"reason": "FieldValueRequired", "message": message, "field": "fieldManager"}],
        )
    if patch_type != APPLY and options.force:
        message = "Forbidden: may not be specified for non-apply patch"
        raise errors.invalid(
            "meta.k8s.io",
            "PatchOptions",
            "",
            [f"force: {message}"],
            [{"reason": "FieldValueForbidden", "message": message, "field": "force"}],
        )
