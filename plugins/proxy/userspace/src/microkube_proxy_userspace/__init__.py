"""microkube service proxy backend ``userspace``: an asyncio TCP and UDP proxy.

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
    def userspace(context: FactoryContext) -> ServiceProxy:
        from microkube_proxy_userspace.proxier import UserspaceProxy

        return UserspaceProxy.from_context(context)

    return {"userspace": userspace}
