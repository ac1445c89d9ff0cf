"""Building ``meta.k8s.io`` Tables: for a list, for one object, and for a watch's events.

Semantics follow kube-apiserver: every row carries its object according to ``includeObject``
(``Metadata``, the default, sends a ``PartialObjectMetadata`` with the whole ObjectMeta;
``Object`` the full object; ``None`` a null), the Table's ``metadata`` carries the list's
``resourceVersion``/``continue``/``remainingItemCount`` (a single object's resourceVersion for
a GET), and a Table watch sends column definitions with its first event only.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from microkube_apiserver.tables.printer import Printer

__all__ = [
    "TABLE_GROUP_VERSIONS",
    "TABLE_V1",
    "TABLE_V1BETA1",
    "IncludeObject",
    "TableError",
    "TableWatchEncoder",
    "build_table",
    "parse_include_object",
    "table_for_list",
    "table_for_object",
]

TABLE_V1 = "meta.k8s.io/v1"
TABLE_V1BETA1 = "meta.k8s.io/v1beta1"
TABLE_GROUP_VERSIONS = (TABLE_V1, TABLE_V1BETA1)


class IncludeObject(enum.StrEnum):
    """The ``includeObject`` query parameter of a Table request."""

    NONE = "None"
    METADATA = "Metadata"
    OBJECT = "Object"


class TableError(ValueError):
    """A Table request kube-apiserver refuses; ``code`` and ``reason`` are the Status's."""

    def __init__(self, message: str, *, code: int, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = reason


def parse_include_object(value: str | None) -> IncludeObject:
    """``includeObject`` from a query string: absent or empty means ``Metadata``.

    Raises TableError (400 BadRequest, kube-apiserver's ValidateTableOptions message) for any
    other value.
    """
    if not value:
        return IncludeObject.METADATA
    try:
        return IncludeObject(value)
    except ValueError:
        message = (
            "Unable to convert to Table as requested: includeObject: Invalid value: "
            f"{json.dumps(value)}: must be 'Metadata', 'Object', 'None', or empty"
        )
        raise TableError(message, code=400, reason="BadRequest") from None


def _check_group_version(group_version: str) -> None:
    if group_version not in TABLE_GROUP_VERSIONS:
        message = f"no Table exists in group version {group_version}"
        raise TableError(message, code=406, reason="NotAcceptable")


def _row_object(
    obj: Mapping[str, Any],
    include: IncludeObject,
    group_version: str,
    item_type: tuple[str, str] | None,
) -> dict[str, Any] | None:
    if include is IncludeObject.NONE:
        return None
    if include is IncludeObject.METADATA:
        return {
            "kind": "PartialObjectMetadata",
            "apiVersion": group_version,
            "metadata": dict(obj.get("metadata") or {}),
        }
    full = dict(obj)
    if item_type is not None:  # list items are stored without their type
        full.setdefault("apiVersion", item_type[0])
        full.setdefault("kind", item_type[1])
    return full


def build_table(
    items: Iterable[Mapping[str, Any]],
    printer: Printer,
    *,
    now: datetime | None = None,
    include_object: IncludeObject | str | None = IncludeObject.METADATA,
    no_headers: bool = False,
    group_version: str = TABLE_V1,
    resource_version: str | None = None,
    continue_token: str | None = None,
    remaining_item_count: int | None = None,
    item_type: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A Table of ``items`` (Kubernetes JSON dicts), one row each, as a JSON-ready dict.

    ``now`` is the instant AGE columns are measured against (the current time when None);
    ``item_type`` is ``(apiVersion, kind)``, stamped on objects included whole. With
    ``no_headers`` the columnDefinitions are null, as on a watch's later events.
    """
    _check_group_version(group_version)
    include = (
        include_object
        if isinstance(include_object, IncludeObject)
        else parse_include_object(include_object)
    )
    at = now if now is not None else datetime.now(UTC)
    rows = []
    for obj in items:
        row: dict[str, Any] = {"cells": printer.row(obj, at)}
        if printer.conditions is not None and (conditions := printer.conditions(obj)):
            row["conditions"] = [dict(condition) for condition in conditions]
        row["object"] = _row_object(obj, include, group_version, item_type)
        rows.append(row)
    metadata: dict[str, Any] = {}
    if resource_version:
        metadata["resourceVersion"] = resource_version
    if continue_token:
        metadata["continue"] = continue_token
    if remaining_item_count is not None:
        metadata["remainingItemCount"] = remaining_item_count
    return {
        "kind": "Table",
        "apiVersion": group_version,
        "metadata": metadata,
        "columnDefinitions": None if no_headers else printer.column_dicts(),
        "rows": rows,
    }


def table_for_list(
    list_object: Mapping[str, Any], printer: Printer, **options: Any
) -> dict[str, Any]:
    """The Table of a ``…List`` object: its items, resourceVersion, continue, remaining count."""
    metadata = list_object.get("metadata") or {}
    options.setdefault("resource_version", metadata.get("resourceVersion"))
    options.setdefault("continue_token", metadata.get("continue"))
    options.setdefault("remaining_item_count", metadata.get("remainingItemCount"))
    kind = str(list_object.get("kind") or "")
    if "item_type" not in options and kind.endswith("List") and list_object.get("apiVersion"):
        options["item_type"] = (list_object["apiVersion"], kind[: -len("List")])
    return build_table(list_object.get("items") or [], printer, **options)


def table_for_object(obj: Mapping[str, Any], printer: Printer, **options: Any) -> dict[str, Any]:
    """The one-row Table a GET of ``obj`` answers; metadata.resourceVersion is the object's."""
    options.setdefault("resource_version", (obj.get("metadata") or {}).get("resourceVersion"))
    return build_table([obj], printer, **options)


class TableWatchEncoder:
    """Turns one watch's events into Table events, as kube-apiserver does for ``get -w``.

    Each event's object becomes a one-row Table; the column definitions go with the first
    event only (later Tables have null columnDefinitions, and kubectl reuses the first ones).
    ERROR events keep their ``Status``; every other event (BOOKMARK too) becomes a Table, as
    upstream transforms any non-Status object.
    """

    def __init__(
        self,
        printer: Printer,
        *,
        include_object: IncludeObject | str | None = IncludeObject.METADATA,
        group_version: str = TABLE_V1,
        item_type: tuple[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        _check_group_version(group_version)
        self._printer = printer
        self._include = (
            include_object
            if isinstance(include_object, IncludeObject)
            else parse_include_object(include_object)
        )
        self._group_version = group_version
        self._item_type = item_type
        self._clock = clock or (lambda: datetime.now(UTC))
        self._headers_sent = False

    def encode(self, event_type: str, obj: Mapping[str, Any]) -> dict[str, Any]:
        """``{"type": event_type, "object": <Table or Status>}``."""
        if obj.get("kind") == "Status":
            result: Mapping[str, Any] = obj
        else:
            result = table_for_object(
                obj,
                self._printer,
                now=self._clock(),
                include_object=self._include,
                no_headers=self._headers_sent,
                group_version=self._group_version,
                item_type=self._item_type,
            )
        # Upstream stops sending headers after the first event, whatever that event was.
        self._headers_sent = True
        return {"type": event_type, "object": result}
