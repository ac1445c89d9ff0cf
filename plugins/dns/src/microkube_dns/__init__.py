"""microkube's cluster DNS: answers ``<svc>.<ns>.svc.<cluster-domain>`` from informers over
Services and EndpointSlices, as CoreDNS's kubernetes plugin, and forwards other names.

Only the hook implementation lives here; the server is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts.component import Component, ComponentContext, ComponentSpec


def _component(context: ComponentContext) -> Component:
    from microkube_dns.component import DnsComponent

    return DnsComponent(context)


@hookimpl
def microkube_components() -> dict[str, ComponentSpec]:
    from microkube.contracts.component import ComponentSpec

    return {
        "dns": ComponentSpec(
            factory=_component,
            order=45,
            description="cluster DNS at the kube-dns Service IP (Service discovery by name)",
        )
    }
