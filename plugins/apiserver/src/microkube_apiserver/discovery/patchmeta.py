"""The ``x-kubernetes-*`` patch and list extensions of a schema, from the patch package's facts.

The facts themselves (upstream struct tags and ``+listType`` markers) live in one table,
:mod:`microkube_apiserver.patch.facts`, which the server's strategic-merge and apply code reads
too; this module only spells them as OpenAPI extensions. kubectl computes client-side apply
patches from these extensions when the OpenAPI v3 document offers
``application/strategic-merge-patch+json``, so they must match what the server applies.
"""

from __future__ import annotations

from typing import Any

from microkube_apiserver.patch.facts import atomic_structs, field_facts

__all__ = ["field_extensions", "struct_extensions"]


def field_extensions(cls: type, field: str) -> dict[str, Any]:
    """The extensions of JSON field ``field`` of model ``cls`` (empty when it has none)."""
    facts = field_facts().get((cls, field))
    if facts is None:
        return {}
    ext: dict[str, Any] = {}
    if facts.strategy:
        ext["x-kubernetes-patch-strategy"] = ",".join(facts.strategy)
    if facts.merge_key:
        ext["x-kubernetes-patch-merge-key"] = facts.merge_key
    if facts.list_type:
        ext["x-kubernetes-list-type"] = facts.list_type
        if facts.list_type == "map" and facts.list_keys:
            ext["x-kubernetes-list-map-keys"] = list(facts.list_keys)
    if facts.atomic:
        ext["x-kubernetes-map-type"] = "atomic"
    return ext


def struct_extensions(cls: type) -> dict[str, Any]:
    """Extensions of a struct's own schema: ``+structType=atomic`` as ``map-type: atomic``."""
    return {"x-kubernetes-map-type": "atomic"} if cls in atomic_structs() else {}
