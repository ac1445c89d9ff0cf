"""Building the service proxy backend a kube-proxy drives, selected by its registered name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from microkube.contracts import FactoryContext
from microkube.contracts.proxy import ServiceProxy

__all__ = ["build_backend"]

HOOK = "microkube_service_proxies"
GROUP = "microkube.proxy"


def build_backend(
    registry: Any, config: Any, name: str, data_dir: Path, kubeconfig: Path | None, node_name: str
) -> ServiceProxy:
    """The backend registered as ``name`` (``microkube_service_proxies``), built with the
    configuration's ``options.<name>`` section (the registry's ``microkube.proxy`` group is
    loaded when the one given was loaded without it)."""
    if not any(GROUP in p.groups for p in registry.plugins):
        from microkube.plugins import load_plugins

        plugins = getattr(config, "plugins", None)
        registry = load_plugins(
            [GROUP], allow=getattr(plugins, "allow", None), block=getattr(plugins, "block", ())
        )
    factory = registry.select(HOOK, name, what="service proxy backend")
    options = (getattr(config, "options", None) or {}).get(name, {})
    context = FactoryContext(
        data_dir=data_dir, options=options, kubeconfig=kubeconfig, node_name=node_name
    )
    return factory(context)
