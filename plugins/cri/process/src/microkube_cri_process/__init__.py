"""microkube container runtime ``process``: each container a host process group.

Only the hook implementation lives here; the runtime is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts import Factory, FactoryContext
    from microkube.contracts.runtime import ContainerRuntime


@hookimpl
def microkube_container_runtimes() -> dict[str, Factory[ContainerRuntime]]:
    def process(context: FactoryContext) -> ContainerRuntime:
        from microkube_cri_process.runtime import ProcessRuntime

        return ProcessRuntime.from_context(context)

    return {"process": process}
