"""microkube container runtime ``containerd``: real containers through CRI ``runtime.v1``, and
the ``microkube images`` command (import and list images in containerd's ``k8s.io``
namespace).

Only the hook implementations live here; gRPC and the CRI stubs are imported when a factory
runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts import Factory, FactoryContext
    from microkube.contracts.command import Command
    from microkube.contracts.runtime import ContainerRuntime


@hookimpl
def microkube_container_runtimes() -> dict[str, Factory[ContainerRuntime]]:
    def containerd(context: FactoryContext) -> ContainerRuntime:
        from microkube_cri_containerd.runtime import ContainerdRuntime

        return ContainerdRuntime.from_context(context)

    return {"containerd": containerd}


@hookimpl
def microkube_commands() -> dict[str, Command]:
    from microkube.contracts.command import Command

    def run(args):  # type: ignore[no-untyped-def]
        from microkube_cri_containerd.commands import run as run_images

        return run_images(args)

    def add_arguments(parser):  # type: ignore[no-untyped-def]
        from microkube_cri_containerd.commands import add_arguments as add

        add(parser)

    return {
        "images": Command(
            help="import and list images in containerd's k8s.io namespace",
            run=run,
            add_arguments=add_arguments,
        )
    }
