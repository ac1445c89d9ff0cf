"""Controllers run by the controller manager (entry-point group ``microkube.controllers``)."""

from __future__ import annotations

from microkube.contracts.controller import ControllerFactory
from microkube.hookspecs._marker import hookspec


@hookspec
def microkube_controllers() -> dict[str, ControllerFactory]:
    """Register controllers: ``{name: factory(context)}``.

    Names are what ``--controllers=*,-job`` enables and disables (``replicaset``,
    ``deployment``, ...). The factory gets a
    :class:`~microkube.contracts.controller.ControllerContext` and returns a
    :class:`~microkube.contracts.controller.Controller`.
    """
