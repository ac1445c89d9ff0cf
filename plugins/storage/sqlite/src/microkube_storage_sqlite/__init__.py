"""microkube storage backend ``sqlite``: the embedded default (one SQLite file in WAL mode).

Only the hook implementation lives here; the backend is imported when its factory runs, so
merely installing this plugin costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts import Factory, FactoryContext
    from microkube.contracts.storage import Storage


@hookimpl
def microkube_storage_backends() -> dict[str, Factory[Storage]]:
    def sqlite(context: FactoryContext) -> Storage:
        from microkube_storage_sqlite.backend import SqliteStorage

        return SqliteStorage.from_context(context)

    return {"sqlite": sqlite}
