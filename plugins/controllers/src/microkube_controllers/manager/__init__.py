"""The ``controller-manager`` component and the ``microkube controller-manager`` command.

Only hook implementations live here; the manager is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts.command import Command
    from microkube.contracts.component import Component, ComponentContext, ComponentSpec


def _component(context: ComponentContext) -> Component:
    from microkube_controllers.manager.component import ControllerManager

    return ControllerManager(context)


@hookimpl
def microkube_components() -> dict[str, ComponentSpec]:
    from microkube.contracts.component import ComponentSpec

    return {
        "controller-manager": ComponentSpec(
            factory=_component,
            order=30,
            description="reconcile loops (ReplicaSet, Deployment, ...) with leader election",
        )
    }


@hookimpl
def microkube_commands() -> dict[str, Command]:
    from microkube.contracts.command import Command

    def run(args):  # type: ignore[no-untyped-def]
        from microkube_controllers.manager.commands import run as run_manager

        return run_manager(args)

    def add_arguments(parser):  # type: ignore[no-untyped-def]
        from microkube_controllers.manager.commands import add_arguments as add

        add(parser)

    return {
        "controller-manager": Command(
            help="run the controller manager (until SIGINT/SIGTERM)",
            run=run,
            add_arguments=add_arguments,
        )
    }
