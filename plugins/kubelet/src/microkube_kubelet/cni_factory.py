"""Building the CNI plugin a kubelet attaches pods with, selected by its registered name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from microkube.contracts import FactoryContext
from microkube.contracts.cni import CNIPlugin

__all__ = ["build_cni"]


def build_cni(registry: Any, config: Any, name: str, data_dir: Path, node_name: str) -> CNIPlugin:
    """The plugin registered as ``name`` (``microkube_cni_plugins``), built with the
    configuration's ``options.<name>`` section for this node."""
    factory = registry.select("microkube_cni_plugins", name, what="CNI plugin")
    options = (getattr(config, "options", None) or {}).get(name, {})
    return factory(FactoryContext(data_dir=data_dir, options=options, node_name=node_name))
