"""Workload controllers: ``replicaset`` and ``deployment``.

Only hook implementations live here; the controllers are imported when their factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts.controller import Controller, ControllerContext, ControllerFactory


def _replicaset(context: ControllerContext) -> Controller:
    from microkube_controllers.workloads.replicaset import ReplicaSetController

    return ReplicaSetController(context)


def _deployment(context: ControllerContext) -> Controller:
    from microkube_controllers.workloads.deployment import DeploymentController

    return DeploymentController(context)


@hookimpl
def microkube_controllers() -> dict[str, ControllerFactory]:
    return {"replicaset": _replicaset, "deployment": _deployment}
