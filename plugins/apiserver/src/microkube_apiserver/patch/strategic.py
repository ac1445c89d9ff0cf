"""Strategic merge patch as the API server applies it: ``application/strategic-merge-patch+json``.

Semantics follow k8s.io/apimachinery ``pkg/util/strategicpatch`` applying a patch on the server
(``MergeParallelList`` and ``IgnoreUnmatchedNulls`` both on):

- Maps merge recursively; ``null`` deletes a key. A field with ``patchStrategy=replace`` (a PDB's
  ``selector``) is replaced. ``{"$patch": "replace", ...}`` replaces a map with the rest of the
  patch map, ``{"$patch": "delete"}`` empties it.
- ``$retainKeys: [...]`` drops every key of the live map not listed (a union switching member,
  e.g. Deployment ``strategy`` RollingUpdate -> Recreate); patch keys outside the list are a 400.
- Lists whose field has ``patchStrategy=merge``: elements that are maps merge by the merge key
  (``{"name": x, "$patch": "delete"}`` removes, an element ``{"$patch": "replace"}`` makes the
  rest of the patch list the whole list); primitive lists are a union. Other lists are replaced.
- Ordering follows upstream: patch elements keep the patch's order, live-only elements keep
  their relative live order and are interleaved by live position (so an element new to the
  list comes before the live ones, as with upstream). ``$setElementOrder/<field>`` (kubectl's
  client-side apply) then imposes the given order.
- ``$deleteFromPrimitiveList/<field>: [...]`` removes those values (a no-op on absent lists).

Two deliberate differences, both invisible once the result is decoded into a typed object as
the API server does: directives inside a value added where the live object had nothing are
processed rather than copied verbatim, and ``$patch: merge`` on a map is accepted as the default
it names (upstream rejects it on maps and lists alike; it is rejected on list elements here too).

Kinds with no model in ``microkube.api`` (custom resources) get JSON merge patch semantics,
directives and all treated as plain keys. (A real API server refuses strategic merge patch for
custom resources with 415; the caller decides which behaviour it wants by checking
``schema_for`` first.)
"""

from __future__ import annotations

import copy
from typing import Any

from microkube.jsonpatch.errors import BAD_REQUEST, INVALID, PatchError
from microkube.jsonpatch.jsonvalue import canonical, json_equal, json_kind
from microkube.jsonpatch.merge_patch import apply_merge_patch
from microkube_apiserver.patch.schema import Node, schema_for

__all__ = ["apply_strategic_merge_patch"]

PATCH = "$patch"
RETAIN_KEYS = "$retainKeys"
SET_ORDER = "$setElementOrder/"
DELETE_FROM = "$deleteFromPrimitiveList/"


def apply_strategic_merge_patch(
    original: dict[str, Any], patch: Any, schema: Node | None = None
) -> dict[str, Any]:
    """Apply a strategic merge patch to ``original`` (a JSON object); inputs are not modified.

    ``schema`` defaults to the model of the original's ``apiVersion``/``kind``; with no model
    the patch is applied as an RFC 7386 merge patch.
    """
    if not isinstance(patch, dict):
        raise PatchError(
            f"a strategic merge patch is a JSON object, not {json_kind(patch)}", code=BAD_REQUEST
        )
    if schema is None:
        schema = schema_for(original.get("apiVersion"), original.get("kind"))
        if schema is None:
            return apply_merge_patch(original, patch)
    return _merge_map(copy.deepcopy(original), copy.deepcopy(patch), schema)


# -- maps ---------------------------------------------------------------------------------------


def _merge_map(original: dict[str, Any], patch: dict[str, Any], node: Node) -> dict[str, Any]:
    """Merge ``patch`` into ``original``; both are private copies and may be mutated."""
    if PATCH in patch:
        directive = patch.pop(PATCH)
        if directive == "replace":
            return _merge_map({}, patch, node)
        if directive == "delete":
            return {}
        if directive != "merge":
            raise PatchError(f"unknown patch type: {directive!r} in map", code=BAD_REQUEST)
    _retain_keys(original, patch)
    _set_element_orders(original, patch, node)
    for key, value in patch.items():
        if key.startswith(DELETE_FROM):
            _delete_from_primitive_list(original, key, value)
        elif value is None:
            original.pop(key, None)
        else:
            original[key] = _merge_value(original.get(key), value, node.child(key))
    return original


def _merge_value(live: Any, value: Any, node: Node) -> Any:
    if isinstance(value, dict):
        if not isinstance(live, dict) or "replace" in node.patch_strategy:
            live = {}
        return _merge_map(live, value, node)
    if isinstance(value, list):
        return _merge_list(live if isinstance(live, list) else [], value, node)
    return value


def _retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    if RETAIN_KEYS not in patch:
        return
    keep = patch.pop(RETAIN_KEYS)
    if not isinstance(keep, list):
        raise PatchError("invalid patch format of retainKeys", code=BAD_REQUEST)
    allowed = {k for k in keep if isinstance(k, str)}
    for key, value in patch.items():
        if value is None or key.startswith((SET_ORDER, DELETE_FROM)):
            continue
        if key not in allowed:
            raise PatchError(
                f"invalid patch format of retainKeys: {key!r} is not in $retainKeys",
                code=BAD_REQUEST,
            )
    for key in [k for k in original if k not in allowed]:
        del original[key]


def _delete_from_primitive_list(original: dict[str, Any], key: str, values: Any) -> None:
    field = key[len(DELETE_FROM) :]
    if not field or not isinstance(values, list):
        raise PatchError("invalid patch format of primitive list", code=BAD_REQUEST)
    live = original.get(field)
    if not isinstance(live, list):
        return  # deleting from an absent list does not create it
    doomed = {canonical(v) for v in values}
    original[field] = [v for v in live if canonical(v) not in doomed]


# -- lists --------------------------------------------------------------------------------------


def _merge_list(live: list[Any], patch: list[Any], node: Node) -> list[Any]:
    if "merge" not in node.patch_strategy:
        return patch
    if not live and not patch:
        return live
    kind = _element_kind(live + patch)
    if kind == "object":
        key = node.merge_key
        if not key:
            raise PatchError("cannot merge lists without merge key", code=INVALID)
        return _merge_object_list(live, patch, key, node.element)
    merged = _dedupe(live + patch)
    patch_items, live_only = _partition(merged, patch, None)
    return _normalize_order(patch_items, live_only, patch, live, None)


def _element_kind(items: list[Any]) -> str | None:
    kinds = {json_kind(item) for item in items}
    if "array" in kinds:
        raise PatchError("lists of lists are not supported", code=INVALID)
    if len(kinds) > 1:
        raise PatchError(
            f"list element types are not identical: {', '.join(sorted(kinds))}", code=INVALID
        )
    return kinds.pop() if kinds else None


def _merge_object_list(live: list[Any], patch: list[Any], key: str, element: Node) -> list[Any]:
    plain: list[dict[str, Any]] = []
    replace = False
    for item in patch:
        directive = item.get(PATCH)
        if PATCH not in item:
            plain.append(item)
        elif directive == "delete":
            if key not in item:
                raise _no_merge_key(item, key)
            live = [e for e in live if not _key_matches(e, key, item[key])]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise PatchError("merging lists cannot yet be specified in the patch", code=INVALID)
        else:
            raise PatchError(f"unknown patch type: {directive!r} in list", code=BAD_REQUEST)
    if replace:
        return [_merge_map({}, item, element) for item in plain]
    merged = list(live)
    for item in plain:
        if key not in item:
            raise _no_merge_key(item, key)
        at = next((i for i, e in enumerate(merged) if _key_matches(e, key, item[key])), None)
        if at is None:
            merged.append(_merge_map({}, item, element))
        else:
            merged[at] = _merge_map(merged[at], item, element)
    patch_items, live_only = _partition(merged, plain, key)
    return _normalize_order(patch_items, live_only, plain, live, key)


def _key_matches(element: Any, key: str, value: Any) -> bool:
    if not isinstance(element, dict):
        raise PatchError(f"list element {element!r} is not an object", code=INVALID)
    return key in element and json_equal(element[key], value)


def _no_merge_key(item: Any, key: str) -> PatchError:
    return PatchError(f"map: {item} does not contain declared merge key: {key}", code=INVALID)


def _dedupe(items: list[Any]) -> list[Any]:
    seen: set[str] = set()
    result = []
    for item in items:
        mark = canonical(item)
        if mark not in seen:
            seen.add(mark)
            result.append(item)
    return result


def _identity(item: Any, key: str | None) -> str | None:
    """What two elements share to be "the same": the merge key's value, or the value itself."""
    if key is None:
        return canonical(item)
    return canonical(item[key]) if isinstance(item, dict) and key in item else None


def _partition(items: list[Any], by: list[Any], key: str | None) -> tuple[list[Any], list[Any]]:
    """Split ``items`` into those present in ``by`` and the others, keeping their order."""
    marks = {_identity(x, key) for x in by}
    inside = [x for x in items if _identity(x, key) in marks]
    outside = [x for x in items if _identity(x, key) not in marks]
    return inside, outside


def _position(order: list[Any], item: Any, key: str | None) -> int:
    mark = _identity(item, key)
    for index, other in enumerate(order):
        if _identity(other, key) == mark:
            return index
    return -1


def _sorted_by(items: list[Any], order: list[Any], key: str | None) -> list[Any]:
    if key is not None:
        for item in items + order:
            if not isinstance(item, dict) or key not in item:
                raise _no_merge_key(item, key)
    return sorted(items, key=lambda x: _position(order, x, key))


def _normalize_order(
    patch_items: list[Any],
    live_only: list[Any],
    patch_order: list[Any],
    live_order: list[Any],
    key: str | None,
) -> list[Any]:
    """Patch items in patch order, live-only items in live order, interleaved by live position.

    A live-only item goes before the next patch item only when both are in the live list and it
    came first there; so items the live list did not have end up ahead of live-only ones.
    """
    right = _sorted_by(patch_items, patch_order, key)
    left = _sorted_by(live_only, live_order, key)
    result: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if j >= len(right):
            result.append(left[i])
            i += 1
        elif i >= len(left):
            result.append(right[j])
            j += 1
        else:
            li, ri = _position(live_order, left[i], key), _position(live_order, right[j], key)
            if li >= 0 and ri >= 0 and li < ri:
                result.append(left[i])
                i += 1
            else:
                result.append(right[j])
                j += 1
    return result


# -- $setElementOrder ---------------------------------------------------------------------------


def _set_element_orders(original: dict[str, Any], patch: dict[str, Any], node: Node) -> None:
    for directive in [k for k in patch if k.startswith(SET_ORDER)]:
        order = patch.pop(directive)
        field = directive[len(SET_ORDER) :]
        if not field or not isinstance(order, list):
            raise PatchError("invalid patch format of setElementOrder list", code=BAD_REQUEST)
        child = node.child(field)
        key = child.merge_key
        live, patch_list = original.get(field), patch.get(field)
        for value in (live, patch_list):
            if value is not None and not isinstance(value, list):
                raise PatchError(
                    f"invalid patch format of setElementOrder list: {field!r} is not a list",
                    code=BAD_REQUEST,
                )
        _check_order(patch_list or [], order, key)
        if live is None and patch_list is None:
            continue
        merged = live if patch_list is None else _merge_list(live or [], patch_list, child)
        order_key = None
        if _element_kind(list(live or []) + list(patch_list or [])) == "object":
            if not key:
                raise PatchError("cannot merge lists without merge key", code=INVALID)
            order_key = key
        inside, outside = _partition(merged, order, order_key)
        original[field] = _normalize_order(inside, outside, order, live or [], order_key)
        patch.pop(field, None)


def _check_order(patch_list: list[Any], order: list[Any], key: str | None) -> None:
    """Patch elements (deletions aside) must appear in ``order`` in the same relative order."""
    items = [x for x in patch_list if not (isinstance(x, dict) and PATCH in x)]
    if not items or not order:
        return
    object_key = key if all(isinstance(x, dict) for x in items) else None
    marks = [_identity(x, object_key) for x in order]
    at = 0
    for item in items:
        mark = _identity(item, object_key)
        while at < len(marks) and marks[at] != mark:
            at += 1
        if at == len(marks):
            raise PatchError(
                f"the order in patch list {patch_list} doesn't match $setElementOrder list {order}",
                code=INVALID,
            )
        at += 1
