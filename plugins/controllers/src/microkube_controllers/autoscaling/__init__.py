"""The ``horizontalpodautoscaling`` controller: scales workloads on their pods' resource usage.

Only hook implementations live here; the controller is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts.controller import Controller, ControllerContext, ControllerFactory


def _horizontal(context: ControllerContext) -> Controller:
    from microkube_controllers.autoscaling.controller import HorizontalController

    return HorizontalController(context)


@hookimpl
def microkube_controllers() -> dict[str, ControllerFactory]:
    return {"horizontalpodautoscaling": _horizontal}
