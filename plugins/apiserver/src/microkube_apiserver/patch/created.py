"""The ``fieldsV1`` a create gives its manager, in one walk of the new object.

With no old object, an ``Update``'s fields are every field the object sets (maps themselves
too: :func:`~microkube_apiserver.patch.typed.compare` against nothing). Building that set of
paths, filtering it and encoding it as a tree cost a create more than a third of a
millisecond; this walk builds the encoded tree directly: each position is
``[in the set, {path element: position}]``, excluded subtrees are cut off at the end, and
the tree is written out with Kubernetes' key order. The result is
``encode_fields(owned(field set))`` exactly (a test holds it to that), including the
PatchError an associative-list item without its key raises.
"""

from __future__ import annotations

import functools
from typing import Any

# The walk must see values exactly as the field-set code does: it shares its helpers.
from microkube_apiserver.patch.fieldpath import Path, PathElement
from microkube_apiserver.patch.fieldpath import _sort_key as sort_key
from microkube_apiserver.patch.schema import Node
from microkube_apiserver.patch.typed import _element as element_of
from microkube_apiserver.patch.typed import _granular_list as granular_list
from microkube_apiserver.patch.typed import _granular_object as granular_object

__all__ = ["created_fields"]

_Position = list[Any]  # [bool: the path is in the set, dict[PathElement, _Position]]


def created_fields(value: Any, node: Node, excluded: tuple[Path, ...]) -> dict[str, Any]:
    """The ``fieldsV1`` of every field ``value`` sets, without the ``excluded`` subtrees and
    without ``metadata`` itself (its members stay), as managed fields leave them out."""
    root: _Position = [False, {}]
    _grow(value, node, (), root)
    metadata = root[1].get(("f", "metadata"))
    if metadata is not None:
        metadata[0] = False
    for path in excluded:
        parent = _find(root, path[:-1]) if path else None
        if parent is not None:
            parent[1].pop(path[-1], None)
    return _encode(root[1])


@functools.cache
def _shape(node: Node) -> tuple[bool, bool, bool, bool]:
    """What the walk asks of a node, once per node: does an object (a list) here have its
    members (items) tracked, is an object here in the set itself, are list items keyed?"""
    granular_objects = granular_object(node, {})
    granular_lists = granular_list(node, [])
    in_set = node.kind in ("map", "untyped")
    return granular_objects, granular_lists, in_set, granular_lists and node.list_type == "map"


def _grow(value: Any, node: Node, path: Path, here: _Position) -> None:
    """Add what ``value`` (at ``path``, whose position is ``here``) sets."""
    granular_objects, granular_lists, in_set, keyed = _shape(node)
    if granular_objects and isinstance(value, dict):
        if path and in_set:
            here[0] = True
        children = here[1]
        for key, child in value.items():
            if child is None:
                continue
            element = ("f", key)
            position = children.get(element)
            if position is None:
                position = children[element] = [False, {}]
            if isinstance(child, dict | list):
                _grow(child, node.child(key), (*path, element), position)
            else:  # a scalar is a leaf whatever its schema: no need to look it up
                position[0] = True
    elif granular_lists and isinstance(value, list):
        children = here[1]
        item_node = node.element
        for item in value:
            element = element_of(item, node, path)
            position = children.get(element)
            if position is None:
                position = children[element] = [False, {}]
            position[0] = True
            if keyed and item is not None:
                _grow(item, item_node, (*path, element), position)
    elif path:
        here[0] = True


def _find(root: _Position, path: Path) -> _Position | None:
    position: _Position | None = root
    for element in path:
        position = position[1].get(element)
        if position is None:
            return None
    return position


def _encode(children: dict[PathElement, _Position]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for element in sorted(children, key=sort_key):
        member, below = children[element]
        encoded = _encode(below) if below else {}
        if encoded and member:
            encoded = {".": {}, **encoded}
        elif not member and not encoded:
            continue
        out[f"{element[0]}:{element[1]}"] = encoded
    return out
