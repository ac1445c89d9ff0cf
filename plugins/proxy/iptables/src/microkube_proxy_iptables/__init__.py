"""microkube service proxy backend ``iptables``: kube-proxy's iptables mode.

Only the hook implementation lives here; the backend is imported when its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts import Factory, FactoryContext
    from microkube.contracts.proxy import ServiceProxy


@hookimpl
def microkube_service_proxies() -> dict[str, Factory[ServiceProxy]]:
    def iptables(context: FactoryContext) -> ServiceProxy:
        from microkube_proxy_iptables.proxier import IptablesProxy

        return IptablesProxy.from_context(context)

    return {"iptables": iptables}
