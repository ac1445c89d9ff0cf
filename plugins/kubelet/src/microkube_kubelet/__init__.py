"""microkube's kubelet: the node agent running the pods bound to its Node through a
container runtime, and ``microkube hollow-nodes`` (many simulated kubelets in one process).

Only hook implementations live here; everything else is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts.command import Command
    from microkube.contracts.component import Component, ComponentContext, ComponentSpec


def _component(context: ComponentContext) -> Component:
    from microkube_kubelet.component import KubeletComponent

    return KubeletComponent(context)


@hookimpl
def microkube_components() -> dict[str, ComponentSpec]:
    from microkube.contracts.component import ComponentSpec

    return {
        "kubelet": ComponentSpec(
            factory=_component,
            order=50,
            description="node agent: registers the Node and runs its pods through the runtime",
        )
    }


@hookimpl
def microkube_commands() -> dict[str, Command]:
    from microkube.contracts.command import Command

    def run_kubelet(args):  # type: ignore[no-untyped-def]
        from microkube_kubelet.commands import run_kubelet as run

        return run(args)

    def kubelet_arguments(parser):  # type: ignore[no-untyped-def]
        from microkube_kubelet.commands import add_kubelet_arguments

        add_kubelet_arguments(parser)

    def run_hollow(args):  # type: ignore[no-untyped-def]
        from microkube_kubelet.hollow import run

        return run(args)

    def hollow_arguments(parser):  # type: ignore[no-untyped-def]
        from microkube_kubelet.hollow import add_arguments

        add_arguments(parser)

    return {
        "kubelet": Command(
            help="run one kubelet (node agent) until SIGINT/SIGTERM",
            run=run_kubelet,
            add_arguments=kubelet_arguments,
        ),
        "hollow-nodes": Command(
            help="run N simulated kubelets (hollow runtime) in one process, for scale tests",
            run=run_hollow,
            add_arguments=hollow_arguments,
        ),
    }
