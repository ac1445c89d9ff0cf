"""Service proxy backends (entry-point group ``microkube.proxy``)."""

from __future__ import annotations

from microkube.contracts.proxy import ServiceProxy
from microkube.contracts.registration import Factory
from microkube.hookspecs._marker import hookspec


@hookspec
def microkube_service_proxies() -> dict[str, Factory[ServiceProxy]]:
    """Register service proxy backends: ``{name: factory}`` (``nftables``, ``iptables``,
    ``userspace``). Configuration ``proxy: <name>`` selects one per kube-proxy; its factory
    returns a :class:`~microkube.contracts.proxy.ServiceProxy`."""
