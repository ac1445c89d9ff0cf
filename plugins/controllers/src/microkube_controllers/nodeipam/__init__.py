"""Node IPAM: the ``nodeipam`` controller gives each Node a ``spec.podCIDR``/``podCIDRs`` from
the cluster CIDR, as kube-controller-manager's range allocator does.

Only the hook implementation lives here; the controller is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts.controller import Controller, ControllerContext, ControllerFactory


def _nodeipam(context: ControllerContext) -> Controller:
    from microkube_controllers.nodeipam.controller import NodeIpamController

    return NodeIpamController(context)


@hookimpl
def microkube_controllers() -> dict[str, ControllerFactory]:
    return {"nodeipam": _nodeipam}
