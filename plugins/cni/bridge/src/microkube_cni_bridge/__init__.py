"""microkube CNI plugin ``bridge``: pods on a Linux bridge of the node, addresses from the
node's pod CIDR, hostPorts through ``portmap`` — by executing the real binaries of
``containernetworking-plugins`` as the CNI spec says.

Only the hook implementation lives here; the plugin is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts import Factory, FactoryContext
    from microkube.contracts.cni import CNIPlugin


@hookimpl
def microkube_cni_plugins() -> dict[str, Factory[CNIPlugin]]:
    def bridge(context: FactoryContext) -> CNIPlugin:
        from microkube_cni_bridge.network import bridge_network

        return bridge_network(context)

    return {"bridge": bridge}
