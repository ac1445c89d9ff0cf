"""Storage backends (entry-point group ``microkube.storage``)."""

from __future__ import annotations

from microkube.contracts.registration import Factory
from microkube.contracts.storage import Storage
from microkube.hookspecs._marker import hookspec


@hookspec
def microkube_storage_backends() -> dict[str, Factory[Storage]]:
    """Register storage backends: ``{name: factory}``.

    Called once at start. Configuration ``storage: <name>`` selects one; its factory is called
    with a :class:`~microkube.contracts.FactoryContext` (``options`` = the ``storage_options``
    section) and returns an object fulfilling :class:`~microkube.contracts.storage.Storage`.
    Import drivers inside the factory, not at module level.
    """
