"""What a read answers with: the objects as JSON, or a ``meta.k8s.io`` Table of them.

``kubectl get`` asks for Tables (``Accept: application/json;as=Table;v=v1;g=meta.k8s.io``) on
lists, gets and watches; the rows come from the :mod:`microkube_apiserver.tables` printers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from microkube_apiserver import errors
from microkube_apiserver.discovery import Resource
from microkube_apiserver.tables import (
    IncludeObject,
    Printer,
    TableError,
    TableWatchEncoder,
    parse_include_object,
    printer_for,
    table_for_list,
    table_for_object,
    table_group_version,
)

__all__ = ["Output", "negotiate_output"]


@attrs.frozen
class Output:
    table_version: str | None = None
    printer: Printer | None = None
    include: IncludeObject = IncludeObject.METADATA
    item_type: tuple[str, str] | None = None

    @property
    def is_table(self) -> bool:
        return self.table_version is not None

    def object(self, obj: dict[str, Any]) -> dict[str, Any]:
        if not self.is_table or obj.get("kind") == "Status":
            return obj
        assert self.printer is not None and self.table_version is not None
        return table_for_object(
            obj,
            self.printer,
            group_version=self.table_version,
            include_object=self.include,
            item_type=self.item_type,
        )

    def list(self, list_obj: dict[str, Any]) -> dict[str, Any]:
        if not self.is_table:
            return list_obj
        assert self.printer is not None and self.table_version is not None
        return table_for_list(
            list_obj, self.printer, group_version=self.table_version, include_object=self.include
        )

    def watch_encoder(self) -> TableWatchEncoder | None:
        if not self.is_table:
            return None
        assert self.printer is not None and self.table_version is not None
        return TableWatchEncoder(
            self.printer,
            include_object=self.include,
            group_version=self.table_version,
            item_type=self.item_type,
        )


def negotiate_output(
    accept: str | None, query: Mapping[str, str], resource: Resource, subresource: str
) -> Output:
    version = table_group_version(accept)
    if version is None:
        return Output()
    try:
        include = parse_include_object(query.get("includeObject"))
    except TableError as exc:
        raise errors.ApiError(exc.code, exc.reason, exc.message) from None
    printer = printer_for(resource.group, resource.plural, subresource)
    item_type = (resource.api_version, resource.kind)
    if subresource == "scale":
        item_type = ("autoscaling/v1", "Scale")
    return Output(version, printer, include, item_type)
