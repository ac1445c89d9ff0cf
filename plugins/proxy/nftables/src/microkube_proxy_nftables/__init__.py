"""microkube service proxy backend ``nftables``: the default, a map-based nftables table.

Only the hook implementation lives here; the backend (and ctypes/libnftables) is imported when
its factory runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microkube import hookimpl

if TYPE_CHECKING:
    from microkube.contracts import Factory, FactoryContext
    from microkube.contracts.proxy import ServiceProxy


@hookimpl(trylast=True)
def microkube_service_proxies() -> dict[str, Factory[ServiceProxy]]:
    def nftables(context: FactoryContext) -> ServiceProxy:
        from microkube_proxy_nftables.backend import NftablesProxy

        return NftablesProxy.from_context(context)

    return {"nftables": nftables}
