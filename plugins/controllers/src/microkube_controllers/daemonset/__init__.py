"""The ``daemonset`` controller: one pod per eligible node, rolled out revision by revision.

Only hook implementations live here; the controller is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts.controller import Controller, ControllerContext, ControllerFactory


def _daemonset(context: ControllerContext) -> Controller:
    from microkube_controllers.daemonset.controller import DaemonSetController

    return DaemonSetController(context)


@hookimpl
def microkube_controllers() -> dict[str, ControllerFactory]:
    return {"daemonset": _daemonset}
