"""Server-side apply and field ownership: ``application/apply-patch+yaml`` and managed fields.

Follows the API server's field manager over structured-merge-diff:

- ``server_side_apply`` merges an applied configuration into the live object. The manager then
  owns exactly the fields its configuration sets (operation ``Apply``). Fields it set last time
  and no longer sets are removed from the object unless another manager owns them. Changing a
  field another manager owns is a conflict (409) unless ``force``, which takes the field over;
  setting it to the value it already has makes both owners.
- ``record_update`` does the bookkeeping for every other write (create, update, any patch): the
  writing manager (operation ``Update``) takes every field the write added or changed.

Ownership is kept in ``metadata.managedFields`` in Kubernetes' encoding (``fieldsV1``), one entry
per manager and operation (and apiVersion, for ``Update``), sorted as Kubernetes sorts them.
``apiVersion``, ``kind`` and the server-owned metadata (name, namespace, uid, resourceVersion,
generation, creationTimestamp, selfLink, managedFields) are never owned; callers pass more
top-level fields to leave out in ``ignore`` (``("status",)`` for writes to the main resource).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import attrs

from microkube.api.meta_v1 import format_time
from microkube.jsonpatch.errors import BAD_REQUEST, CONFLICT, INVALID, PatchError
from microkube_apiserver.patch.created import created_fields
from microkube_apiserver.patch.fieldpath import (
    Path,
    decode_fields,
    encode_fields,
    path_string,
)
from microkube_apiserver.patch.schema import UNTYPED, Node, schema_for
from microkube_apiserver.patch.typed import compare, field_set, merge, remove_paths

__all__ = ["ApplyConflictError", "Conflict", "record_create", "record_update", "server_side_apply"]

APPLY, UPDATE = "Apply", "Update"
_SERVER_METADATA = (
    "name",
    "namespace",
    "creationTimestamp",
    "selfLink",
    "uid",
    "clusterName",
    "generation",
    "managedFields",
    "resourceVersion",
)
_NEVER_OWNED: tuple[Path, ...] = (
    (("f", "apiVersion"),),
    (("f", "kind"),),
    *((("f", "metadata"), ("f", name)) for name in _SERVER_METADATA),
)


@attrs.frozen
class Conflict:
    """One field another manager owns: ``manager`` as Kubernetes prints it, the field's path."""

    manager: str
    field: str


class ApplyConflictError(PatchError):
    """An apply that would change fields other managers own (409 Conflict)."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        super().__init__(_conflict_message(conflicts), code=CONFLICT)

    @property
    def causes(self) -> list[dict[str, str]]:
        """The ``Status.details.causes`` Kubernetes sends, one per conflicting field."""
        return [
            {
                "reason": "FieldManagerConflict",
                "message": f"conflict with {c.manager}",
                "field": c.field,
            }
            for c in self.conflicts
        ]


def _conflict_message(conflicts: list[Conflict]) -> str:
    if len(conflicts) == 1:
        c = conflicts[0]
        return f"Apply failed with 1 conflict: conflict with {c.manager}: {c.field}"
    lines: list[str] = []
    for manager in dict.fromkeys(c.manager for c in conflicts):
        lines.append(f"conflicts with {manager}:")
        lines.extend(f"- {c.field}" for c in conflicts if c.manager == manager)
    return f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)


# -- managed field entries ----------------------------------------------------------------------


@attrs.frozen
class _Entry:
    manager: str
    operation: str
    api_version: str | None
    time: str | None
    subresource: str | None
    fields: frozenset[Path]

    @property
    def identity(self) -> tuple[Any, ...]:
        # Appliers are one manager across apiVersions; updaters are one per apiVersion.
        version = None if self.operation == APPLY else self.api_version
        return (self.manager, self.operation, version, self.subresource or None)

    @property
    def display(self) -> str:
        """How the API server names this manager in conflict messages."""
        text = json.dumps(self.manager, ensure_ascii=False)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource, ensure_ascii=False)}"
        if self.operation == UPDATE:
            text += f" using {self.api_version}"
        return text

    def encode(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"manager": self.manager, "operation": self.operation}
        if self.api_version:
            entry["apiVersion"] = self.api_version
        if self.time:
            entry["time"] = self.time
        entry["fieldsType"] = "FieldsV1"
        entry["fieldsV1"] = encode_fields(self.fields)
        if self.subresource:
            entry["subresource"] = self.subresource
        return entry


def _decode_entries(obj: dict[str, Any] | None) -> list[_Entry]:
    metadata = (obj or {}).get("metadata") or {}
    entries = []
    for raw in metadata.get("managedFields") or []:
        if not isinstance(raw, dict) or raw.get("operation") not in (APPLY, UPDATE):
            raise PatchError("invalid managedFields entry", code=BAD_REQUEST)
        entries.append(
            _Entry(
                manager=str(raw.get("manager") or ""),
                operation=raw["operation"],
                api_version=raw.get("apiVersion"),
                time=raw.get("time"),
                subresource=raw.get("subresource") or None,
                fields=frozenset(decode_fields(raw.get("fieldsV1") or {})),
            )
        )
    return entries


def _sort_key(entry: _Entry) -> tuple[Any, ...]:
    # Kubernetes: operation (Apply first), time (whole seconds), manager, apiVersion, subresource
    return (
        entry.operation,
        entry.time or "",
        entry.manager,
        entry.api_version or "",
        entry.subresource or "",
    )


def _with_entries(obj: dict[str, Any], entries: list[_Entry]) -> dict[str, Any]:
    metadata = obj.setdefault("metadata", {})
    metadata.pop("managedFields", None)
    kept = sorted((e for e in entries if e.fields), key=_sort_key)
    if kept:
        metadata["managedFields"] = [e.encode() for e in kept]
    return obj


# -- helpers ------------------------------------------------------------------------------------


def _without_managed_fields(obj: dict[str, Any] | None) -> dict[str, Any]:
    if not obj:
        return {}
    result = dict(obj)
    if isinstance(result.get("metadata"), dict):
        result["metadata"] = {k: v for k, v in result["metadata"].items() if k != "managedFields"}
    return result


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def _owned(paths: Iterable[Path], ignore: Iterable[tuple[str, ...]]) -> frozenset[Path]:
    """``paths`` without the fields no manager can own."""
    excluded = [*_NEVER_OWNED, *(tuple(("f", name) for name in fields) for fields in ignore)]
    return frozenset(
        p
        for p in paths
        if p != (("f", "metadata"),) and not any(p[: len(x)] == x for x in excluded)
    )


def _schema(obj: dict[str, Any]) -> Node:
    return schema_for(obj.get("apiVersion"), obj.get("kind")) or UNTYPED


def _now(now: datetime | None) -> str:
    return format_time(now or datetime.now(UTC))


def _path_order(path: Path) -> tuple[Any, ...]:
    order = {"f": 0, "k": 1, "v": 2, "i": 3}
    return tuple((order[kind], int(text) if kind == "i" else text) for kind, text in path)


# -- apply --------------------------------------------------------------------------------------


def server_side_apply(
    live: dict[str, Any] | None,
    applied: Any,
    *,
    manager: str,
    force: bool = False,
    subresource: str | None = None,
    now: datetime | None = None,
    ignore: Iterable[tuple[str, ...]] = (),
) -> dict[str, Any]:
    """Apply ``applied`` (an object's configuration) as ``manager`` over ``live`` (None: create).

    Returns the new object with ``metadata.managedFields`` updated; raises ``ApplyConflictError``
    when other managers own fields the configuration changes and ``force`` is false. Inputs are
    not modified. ``null`` members of the configuration are treated as omitted.
    """
    if not isinstance(applied, dict):
        raise PatchError("an apply patch is a JSON or YAML object", code=BAD_REQUEST)
    if not manager:
        raise PatchError("fieldManager is required for apply requests", code=INVALID)
    if (applied.get("metadata") or {}).get("managedFields"):
        raise PatchError("metadata.managedFields must be nil", code=BAD_REQUEST)
    ignore = tuple(ignore)
    node = _schema(applied)
    config = _without_managed_fields(_drop_nulls(applied))
    live_obj = _without_managed_fields(live)
    entries = _decode_entries(live)
    me = _Entry(manager, APPLY, applied.get("apiVersion"), None, subresource, frozenset())
    previous = next((e for e in entries if e.identity == me.identity), None)
    others = [e for e in entries if e.identity != me.identity]
    fields = _owned(field_set(config, node), ignore)

    # Fields this manager applied before and dropped now go, unless someone still owns them
    # (or something below them).
    owned = set(fields).union(*(e.fields for e in others))
    dropped = {
        p
        for p in (previous.fields if previous else frozenset()) - owned
        if not any(len(q) > len(p) and q[: len(p)] == p for q in owned)
    }
    result = remove_paths(merge(live_obj, config, node), dropped, node)

    diff = compare(live_obj, result, node)
    changed = _owned(diff.added | diff.modified, ignore)
    conflicts = [
        Conflict(e.display, path_string(p))
        for e in sorted(others, key=_sort_key)
        for p in sorted(e.fields & changed, key=_path_order)
    ]
    if conflicts and not force:
        raise ApplyConflictError(conflicts)

    kept = [attrs.evolve(e, fields=e.fields - changed - diff.removed) for e in others]
    touched = previous is None or previous.fields != fields or result != live_obj
    mine = attrs.evolve(
        me, fields=fields, time=_now(now) if touched else previous.time if previous else None
    )
    return _with_entries(result, [*kept, mine])


# -- update -------------------------------------------------------------------------------------


def record_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    subresource: str | None = None,
    now: datetime | None = None,
    ignore: Iterable[tuple[str, ...]] = (),
) -> dict[str, Any]:
    """``new`` with managed fields updated for a non-apply write by ``manager`` (None: create).

    The manager takes every field the write added or changed away from whoever owned it; fields
    the write removed leave every manager's set. Inputs are not modified.
    """
    ignore = tuple(ignore)
    if old is None:
        created = copy.deepcopy(_without_managed_fields(new))
        record_create(created, manager=manager, subresource=subresource, now=now, ignore=ignore)
        return created
    return _record_by_diff(old, new, manager, subresource, now, ignore)


def record_create(
    obj: dict[str, Any],
    *,
    manager: str,
    subresource: str | None = None,
    now: datetime | None = None,
    ignore: Iterable[tuple[str, ...]] = (),
) -> None:
    """Set ``obj``'s managed fields for its creation by ``manager``, in place (for a caller
    that owns ``obj``; :func:`record_update` with no old object does this on a copy).

    The manager's one entry holds every field the object sets, built in one walk
    (:mod:`~microkube_apiserver.patch.created`); on a PatchError ``obj`` is unchanged.
    """
    excluded = (*_NEVER_OWNED, *(tuple(("f", name) for name in fields) for fields in ignore))
    fields_v1 = created_fields(_without_managed_fields(obj), _schema(obj), excluded)
    metadata = obj.setdefault("metadata", {})
    metadata.pop("managedFields", None)
    if fields_v1:
        entry: dict[str, Any] = {"manager": manager, "operation": UPDATE}
        if obj.get("apiVersion"):
            entry["apiVersion"] = obj["apiVersion"]
        entry.update(time=_now(now), fieldsType="FieldsV1", fieldsV1=fields_v1)
        if subresource:
            entry["subresource"] = subresource
        metadata["managedFields"] = [entry]


def _record_by_diff(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    manager: str,
    subresource: str | None,
    now: datetime | None,
    ignore: tuple[tuple[str, ...], ...],
) -> dict[str, Any]:
    """:func:`record_update` from the difference between the two objects."""
    node = _schema(new)
    old_obj, new_obj = _without_managed_fields(old), _without_managed_fields(new)
    diff = compare(old_obj, new_obj, node)
    changed = _owned(diff.added | diff.modified, ignore)
    removed = _owned(diff.removed, ignore)
    me = _Entry(manager, UPDATE, new.get("apiVersion"), None, subresource, frozenset())
    entries = _decode_entries(old)
    previous = next((e for e in entries if e.identity == me.identity), None)
    others = [
        attrs.evolve(e, fields=e.fields - changed - removed) for e in entries if e is not previous
    ]
    fields = ((previous.fields if previous else frozenset()) - removed) | changed
    touched = previous is None or previous.fields != fields
    mine = attrs.evolve(
        me, fields=fields, time=_now(now) if touched else previous.time if previous else None
    )
    return _with_entries(copy.deepcopy(new_obj), [*others, mine])
