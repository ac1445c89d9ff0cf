"""Server-side ``meta.k8s.io`` Tables: the columns and cells ``kubectl get`` prints.

Typical use in a handler::

    group_version = table_group_version(request.headers.get("Accept"))
    if group_version is not None:
        printer = printer_for(group, resource)
        body = table_for_list(pod_list, printer, group_version=group_version,
                              include_object=request.query.get("includeObject"))

Printers work on Kubernetes JSON dicts, as stored; ``now`` can be injected for tests.
"""

from microkube_apiserver.tables.duration import human_duration, short_human_duration
from microkube_apiserver.tables.negotiate import table_group_version
from microkube_apiserver.tables.printer import Column, Printer
from microkube_apiserver.tables.registry import PrinterRegistry, default_registry, printer_for
from microkube_apiserver.tables.table import (
    TABLE_V1,
    TABLE_V1BETA1,
    IncludeObject,
    TableError,
    TableWatchEncoder,
    build_table,
    parse_include_object,
    table_for_list,
    table_for_object,
)

__all__ = [
    "TABLE_V1",
    "TABLE_V1BETA1",
    "Column",
    "IncludeObject",
    "Printer",
    "PrinterRegistry",
    "TableError",
    "TableWatchEncoder",
    "build_table",
    "default_registry",
    "human_duration",
    "parse_include_object",
    "printer_for",
    "short_human_duration",
    "table_for_list",
    "table_for_object",
    "table_group_version",
]
