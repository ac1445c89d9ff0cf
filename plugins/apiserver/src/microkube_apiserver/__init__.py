"""microkube's API server: Kubernetes' REST API over the selected storage backend.

Only hook implementations live here; the server is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts.command import Command
    from microkube.contracts.component import Component, ComponentContext, ComponentSpec


def _component(context: ComponentContext) -> Component:
    from microkube_apiserver.component import ApiServerComponent

    return ApiServerComponent(context)


@hookimpl
def microkube_components() -> dict[str, ComponentSpec]:
    from microkube.contracts.component import ComponentSpec

    return {
        "apiserver": ComponentSpec(
            factory=_component,
            order=10,
            description="Kubernetes REST API over the configured storage backend",
        )
    }


@hookimpl
def microkube_commands() -> dict[str, Command]:
    from microkube.contracts.command import Command

    def run(args):  # type: ignore[no-untyped-def]
        from microkube_apiserver.commands import run as run_apiserver

        return run_apiserver(args)

    def add_arguments(parser):  # type: ignore[no-untyped-def]
        from microkube_apiserver.commands import add_arguments as add

        add(parser)

    return {
        "apiserver": Command(
            help="run the API server alone (until SIGINT/SIGTERM)",
            run=run,
            add_arguments=add_arguments,
        )
    }
