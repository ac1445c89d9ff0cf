"""Components (entry-point group ``microkube.components``)."""

from __future__ import annotations

from microkube.contracts.component import ComponentSpec
from microkube.hookspecs._marker import hookspec


@hookspec
def microkube_components() -> dict[str, ComponentSpec]:
    """Register components: ``{name: spec}`` (``apiserver``, ``scheduler``, ``kubelet``, ...).

    ``microkube up`` runs every installed component the configuration does not disable, in
    ascending ``spec.order``; ``microkube <name>`` commands may run one alone.
    """
