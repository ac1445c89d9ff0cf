"""microkube's kube-proxy: turns Services and EndpointSlices into rules of the configured
service proxy backend (nftables, iptables or userspace) on one node.

Only hook implementations live here; the component is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts.component import Component, ComponentContext, ComponentSpec


def _component(context: ComponentContext) -> Component:
    from microkube_kube_proxy.component import KubeProxyComponent

    return KubeProxyComponent(context)


@hookimpl
def microkube_components() -> dict[str, ComponentSpec]:
    from microkube.contracts.component import ComponentSpec

    return {
        "kube-proxy": ComponentSpec(
            factory=_component,
            order=60,
            description="programs Services (ClusterIP, NodePort, ...) through a proxy backend",
        )
    }
