"""The shape of a kind, walked from its attrs model, with the patch metadata of every field.

A ``Node`` describes one position in an object: a struct (a model class), a map (``dict[str,
X]``), a list, a scalar, or ``untyped`` (``Any``, unknown fields). Strategic merge patch and
server-side apply ask a node for a child by JSON key and for the metadata of the field that
holds it; the metadata comes from ``facts.field_facts`` keyed by (model class, JSON field).
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any, Literal, Union

import attrs

from microkube.api.introspect import model_fields
from microkube.api.registry import kind_for
from microkube_apiserver.patch.facts import FieldFacts, atomic_structs, field_facts

__all__ = ["UNTYPED", "Node", "json_fields", "node_for_model", "schema_for"]

Kind = Literal["struct", "map", "list", "scalar", "untyped"]

_NO_FACTS = FieldFacts()


@functools.cache
def json_fields(cls: type) -> dict[str, Any]:
    """``{JSON name: declared type}`` of a model class."""
    return {f.json_name: f.type for f in model_fields(cls)}


@attrs.frozen(cache_hash=True)  # a key of the caches below, hashed on every lookup
class Node:
    """One position in an object's schema and the metadata of the field holding it."""

    kind: Kind
    model: type | None = None  # for structs
    inner: Any = None  # declared element type (lists) or value type (maps)
    facts: FieldFacts = _NO_FACTS

    def child(self, key: str) -> Node:
        """The node of member ``key`` of a struct or map (``UNTYPED`` when unknown)."""
        if self.kind == "struct":
            return _members(self).get(key, UNTYPED)
        if self.kind == "map":
            return _node(self.inner, _NO_FACTS)
        return UNTYPED

    @property
    def element(self) -> Node:
        """The node of a list's elements."""
        return _node(self.inner, _NO_FACTS) if self.kind == "list" else UNTYPED

    # -- strategic merge patch --------------------------------------------------------------

    @property
    def patch_strategy(self) -> tuple[str, ...]:
        return self.facts.strategy

    @property
    def merge_key(self) -> str | None:
        return self.facts.merge_key

    # -- server-side apply ------------------------------------------------------------------

    @property
    def list_type(self) -> str:
        """``atomic``, ``set`` or ``map``, derived as structured-merge-diff does."""
        if self.facts.list_type:
            return self.facts.list_type
        if "merge" in self.facts.strategy:
            return "map" if self.facts.merge_key else "set"
        return "atomic"

    @property
    def list_keys(self) -> tuple[str, ...]:
        """The fields identifying an element of a ``map`` list (empty for other lists)."""
        if self.list_type != "map":
            return ()
        return self.facts.list_keys or ((self.facts.merge_key,) if self.facts.merge_key else ())

    @property
    def key_defaults(self) -> dict[str, Any]:
        return dict(self.facts.key_defaults)

    @property
    def atomic(self) -> bool:
        """Owned and replaced as a whole by apply: atomic structs and maps, atomic lists."""
        if self.kind == "list":
            return self.list_type == "atomic"
        if self.kind == "struct":
            return self.model in atomic_structs()
        return self.kind == "map" and self.facts.atomic


UNTYPED = Node("untyped")


@functools.cache
def _members(node: Node) -> dict[str, Node]:
    """The nodes of a struct's declared members, by JSON name (looked up per member walked)."""
    facts = field_facts()
    return {
        key: _node(declared, facts.get((node.model, key), _NO_FACTS))
        for key, declared in json_fields(node.model).items()
    }


def _strip_optional(declared: Any) -> Any:
    if typing.get_origin(declared) in (Union, types.UnionType):
        args = [a for a in typing.get_args(declared) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return declared


@functools.cache
def _node(declared: Any, facts: FieldFacts) -> Node:
    declared = _strip_optional(declared)
    origin = typing.get_origin(declared)
    if origin is list:
        return Node("list", inner=typing.get_args(declared)[0], facts=facts)
    if origin is dict:
        return Node("map", inner=typing.get_args(declared)[1], facts=facts)
    if declared is Any:
        return Node("untyped", facts=facts)
    if isinstance(declared, type) and attrs.has(declared):
        return Node("struct", model=declared, facts=facts)
    return Node("scalar", facts=facts)


def node_for_model(cls: type) -> Node:
    """The root node of a model class."""
    return _node(cls, _NO_FACTS)


def schema_for(api_version: Any, kind: Any) -> Node | None:
    """The root node of a registered kind; None for kinds microkube has no model of."""
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    try:
        return node_for_model(kind_for(api_version, kind))
    except LookupError:
        return None
