"""Container runtimes (entry-point group ``microkube.cri``)."""

from __future__ import annotations

from microkube.contracts.registration import Factory
from microkube.contracts.runtime import ContainerRuntime
from microkube.hookspecs._marker import hookspec


@hookspec
def microkube_container_runtimes() -> dict[str, Factory[ContainerRuntime]]:
    """Register container runtimes: ``{name: factory}``.

    Configuration ``runtime: <name>`` selects one per kubelet; the factory gets a
    :class:`~microkube.contracts.FactoryContext` with ``node_name`` set and returns a
    :class:`~microkube.contracts.runtime.ContainerRuntime`.
    """
