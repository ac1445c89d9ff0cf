"""microkube's scheduler: the kube-scheduler framework and its default policies.

Only hook implementations live here; the scheduler is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts.command import Command
    from microkube.contracts.component import Component, ComponentContext, ComponentSpec


def _component(context: ComponentContext) -> Component:
    from microkube_scheduler.component import SchedulerComponent

    return SchedulerComponent(context)


@hookimpl
def microkube_components() -> dict[str, ComponentSpec]:
    from microkube.contracts.component import ComponentSpec

    return {
        "scheduler": ComponentSpec(
            factory=_component,
            order=40,
            description="assigns pending pods to nodes (the kube-scheduler framework)",
        )
    }


@hookimpl
def microkube_commands() -> dict[str, Command]:
    from microkube.contracts.command import Command

    def run_scheduler(args):  # type: ignore[no-untyped-def]
        from microkube_scheduler.commands import run_scheduler as run

        return run(args)

    def scheduler_arguments(parser):  # type: ignore[no-untyped-def]
        from microkube_scheduler.commands import add_scheduler_arguments

        add_scheduler_arguments(parser)

    def run_explain(args):  # type: ignore[no-untyped-def]
        from microkube_scheduler.commands import run_explain as run

        return run(args)

    def explain_arguments(parser):  # type: ignore[no-untyped-def]
        from microkube_scheduler.commands import add_explain_arguments

        add_explain_arguments(parser)

    return {
        "scheduler": Command(
            help="run the scheduler alone (until SIGINT/SIGTERM)",
            run=run_scheduler,
            add_arguments=scheduler_arguments,
        ),
        "explain-scheduling": Command(
            help="show, per node, which plugin filtered a pod out and why, and every score",
            run=run_explain,
            add_arguments=explain_arguments,
        ),
    }
