"""Server-side apply's view of a JSON object through its schema (structured-merge-diff's).

Four operations: the set of fields a value sets (``field_set``), the fields that differ between
two values (``compare``), applying one value over another (``merge``) and deleting fields
(``remove_paths``). Lists are atomic, sets of primitives, or maps keyed by some of their
elements' fields (``Node.list_type``); atomic structs and maps are leaves. Values with no
schema are "deduced": objects are granular, lists atomic. ``null`` counts as absent.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import attrs

from microkube.jsonpatch.errors import INVALID, PatchError
from microkube.jsonpatch.jsonvalue import canonical, json_equal
from microkube_apiserver.patch.fieldpath import Path, PathElement, path_string
from microkube_apiserver.patch.schema import Node

__all__ = ["Comparison", "compare", "field_set", "merge", "remove_paths"]

_TEXT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _granular_object(node: Node, value: Any) -> bool:
    """Is ``value`` an object whose members are tracked one by one?"""
    return isinstance(value, dict) and node.kind in ("struct", "map", "untyped") and not node.atomic


def _granular_list(node: Node, value: Any) -> bool:
    return isinstance(value, list) and node.kind == "list" and node.list_type != "atomic"


def _element(item: Any, node: Node, path: Path) -> PathElement:
    """The path element naming a list item: its key fields, or its value in a set."""
    if node.list_type == "set":
        if isinstance(item, dict | list):
            raise PatchError(f"{path_string(path)}: a set holds only scalars", code=INVALID)
        return ("v", canonical(item))
    if not isinstance(item, dict):
        raise PatchError(f"{path_string(path)}: an associative list holds objects", code=INVALID)
    defaults = node.key_defaults
    keys = node.list_keys
    if len(keys) == 1:
        # One key with a string or integer value (a container's name, an env var's): its
        # canonical text written directly, as canonical() would write it.
        (name,) = keys
        value = item.get(name)
        if type(value) is str or type(value) is int:
            return ("k", f"{{{_TEXT(name)}:{_TEXT(value)}}}")
    key: dict[str, Any] = {}
    for name in sorted(keys):
        if item.get(name) is not None:
            key[name] = item[name]
        elif name in defaults:
            key[name] = defaults[name]
        else:
            raise PatchError(
                f"{path_string(path)}: associative list with keys has an element that omits key "
                f"field {name!r} (and doesn't have default value)",
                code=INVALID,
            )
    return ("k", canonical(key))


def _index_items(items: list[Any], node: Node, path: Path) -> dict[PathElement, Any]:
    indexed: dict[PathElement, Any] = {}
    for item in items:
        indexed.setdefault(_element(item, node, path), item)
    return indexed


# -- field sets ---------------------------------------------------------------------------------


def field_set(value: Any, node: Node, path: Path = ()) -> set[Path]:
    """The paths ``value`` sets: leaves, atomic values and list items, never granular objects."""
    out: set[Path] = set()
    _collect(value, node, path, out, objects=False)
    return out


def _collect(value: Any, node: Node, path: Path, out: set[Path], *, objects: bool) -> None:
    """Add the paths under ``path``; with ``objects`` also maps themselves (Update's rule)."""
    if value is None:
        return
    if _granular_object(node, value):
        if objects and path and node.kind in ("map", "untyped"):
            out.add(path)
        for key, child in value.items():
            _collect(child, node.child(key), (*path, ("f", key)), out, objects=objects)
    elif _granular_list(node, value):
        element = node.element
        for item in value:
            item_path = (*path, _element(item, node, path))
            out.add(item_path)
            if node.list_type == "map":
                _collect(item, element, item_path, out, objects=objects)
    elif path:
        out.add(path)


# -- compare ------------------------------------------------------------------------------------


@attrs.define
class Comparison:
    """Paths set by the new value only, changed between the two, or set by the old only."""

    added: set[Path] = attrs.field(factory=set)
    modified: set[Path] = attrs.field(factory=set)
    removed: set[Path] = attrs.field(factory=set)


def compare(old: Any, new: Any, node: Node) -> Comparison:
    """How ``new`` differs from ``old``, path by path."""
    result = Comparison()
    _compare(old, new, node, (), result)
    return result


def _compare(old: Any, new: Any, node: Node, path: Path, result: Comparison) -> None:
    if old is None and new is None:
        return
    if old is None:
        _collect(new, node, path, result.added, objects=True)
    elif new is None:
        _collect(old, node, path, result.removed, objects=True)
    elif _granular_object(node, old) and _granular_object(node, new):
        for key in {**old, **new}:
            _compare(old.get(key), new.get(key), node.child(key), (*path, ("f", key)), result)
    elif _granular_list(node, old) and _granular_list(node, new):
        before, after = _index_items(old, node, path), _index_items(new, node, path)
        for element in {**before, **after}:
            item_path = (*path, element)
            if element not in before:
                result.added.add(item_path)
            elif element not in after:
                result.removed.add(item_path)
            if node.list_type == "map":
                _compare(before.get(element), after.get(element), node.element, item_path, result)
    elif not json_equal(old, new) and path:
        result.modified.add(path)


# -- merge --------------------------------------------------------------------------------------


def merge(live: Any, config: Any, node: Node) -> Any:
    """``config`` applied over ``live``: granular values merge, everything else is replaced."""
    if config is None:
        return copy.deepcopy(live)
    if live is None:
        return copy.deepcopy(config)
    if _granular_object(node, live) and _granular_object(node, config):
        result = copy.deepcopy(live)
        for key, value in config.items():
            result[key] = merge(live.get(key), value, node.child(key))
        return result
    if _granular_list(node, live) and _granular_list(node, config):
        return _merge_items(live, config, node)
    return copy.deepcopy(config)


def _merge_items(live: list[Any], config: list[Any], node: Node) -> list[Any]:
    """Merge list items by key, ordered as structured-merge-diff orders them.

    Live-only items keep their places; config items come in config order, each shared item at
    the point where the config reaches it.
    """
    left = [(_element(item, node, ()), item) for item in live]
    right = [(_element(item, node, ()), item) for item in config]
    in_left = {element: item for element, item in reversed(left)}
    in_right = {element: item for element, item in reversed(right)}
    shared = [element for element, _ in right if element in in_left]
    done: set[PathElement] = set()
    out: list[Any] = []
    i = j = 0

    def take(element: PathElement) -> None:
        done.add(element)
        live_item = in_left.get(element)
        out.append(merge(live_item, in_right[element], node.element))
        if shared and shared[0] == element:
            shared.pop(0)

    while i < len(left) or j < len(right):
        if i < len(left) and j < len(right):
            if left[i][0] == right[j][0]:
                take(right[j][0])
                i, j = i + 1, j + 1
                continue
            if left[i][0] in in_right and shared and shared[0] != left[i][0]:
                i += 1  # a shared item the config places later
                continue
        if i < len(left):
            element, item = left[i]
            if element not in in_right:
                out.append(copy.deepcopy(item))
                i += 1
                continue
            if element in done:
                i += 1
                continue
        if j < len(right):
            if right[j][0] not in done:
                take(right[j][0])
            j += 1
    return out


# -- removal ------------------------------------------------------------------------------------


def remove_paths(value: Any, paths: set[Path], node: Node) -> Any:
    """A copy of ``value`` without the members or list items ``paths`` name."""
    result = copy.deepcopy(value)
    # Removing a member or item removes everything below it: only the topmost paths matter.
    for path in sorted(paths, key=len):
        if not any(path[:n] in paths for n in range(1, len(path))):
            result = _remove(result, path, node)
    return result


def _remove(value: Any, path: Path, node: Node) -> Any:
    if not path or value is None:
        return value
    (kind, text), rest = path[0], path[1:]
    if kind == "f" and isinstance(value, dict) and text in value:
        if rest:
            value[text] = _remove(value[text], rest, node.child(text))
        else:
            del value[text]
    elif kind in ("k", "v") and isinstance(value, list) and node.kind == "list":
        for index, item in enumerate(value):
            try:
                matches = _element(item, node, ()) == (kind, text)
            except PatchError:
                matches = False
            if matches:
                if rest:
                    value[index] = _remove(item, rest, node.element)
                else:
                    del value[index]
                break
    elif kind == "i" and isinstance(value, list) and int(text) < len(value):
        if rest:
            value[int(text)] = _remove(value[int(text)], rest, node.element)
        else:
            del value[int(text)]
    return value
