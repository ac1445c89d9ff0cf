"""microkube storage backend ``memory``: the whole store in process memory, for tests.

Only the hook implementation lives here; the backend is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts import Factory, FactoryContext
    from microkube.contracts.storage import Storage


@hookimpl
def microkube_storage_backends() -> dict[str, Factory[Storage]]:
    def memory(context: FactoryContext) -> Storage:
        from microkube_storage_memory.backend import MemoryStorage

        return MemoryStorage.from_context(context)

    return {"memory": memory}
