"""microkube container runtime ``hollow``: pods go through their lifecycle without processes.

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
    def hollow(context: FactoryContext) -> ContainerRuntime:
        from microkube_cri_hollow.runtime import HollowRuntime

        return HollowRuntime.from_context(context)

    return {"hollow": hollow}
