"""Building the container runtime a kubelet drives, selected by its registered name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from microkube.contracts import FactoryContext
from microkube.contracts.runtime import ContainerRuntime

__all__ = ["build_runtime"]


def build_runtime(
    registry: Any, config: Any, name: str, data_dir: Path, kubeconfig: Path, node_name: str
) -> ContainerRuntime:
    """The runtime registered as ``name`` (``microkube_container_runtimes``), built with the
    configuration's ``options.<name>`` section."""
    factory = registry.select("microkube_container_runtimes", name, what="container runtime")
    options = (getattr(config, "options", None) or {}).get(name, {})
    context = FactoryContext(
        data_dir=data_dir, options=options, kubeconfig=kubeconfig, node_name=node_name
    )
    return factory(context)
