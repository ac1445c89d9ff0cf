"""Batch controllers: ``job``, ``cronjob`` and ``ttl-after-finished``.

Only hook implementations live here; each controller is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts.controller import Controller, ControllerContext, ControllerFactory


def _job(context: ControllerContext) -> Controller:
    from microkube_controllers.jobs.controller import JobController

    return JobController(context)


def _cronjob(context: ControllerContext) -> Controller:
    from microkube_controllers.jobs.cronjob import CronJobController

    return CronJobController(context)


def _ttl_after_finished(context: ControllerContext) -> Controller:
    from microkube_controllers.jobs.ttl import TTLAfterFinishedController

    return TTLAfterFinishedController(context)


@hookimpl
def microkube_controllers() -> dict[str, ControllerFactory]:
    return {"job": _job, "cronjob": _cronjob, "ttl-after-finished": _ttl_after_finished}
