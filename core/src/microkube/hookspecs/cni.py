"""Pod network plugins (entry-point group ``microkube.cni``)."""

from __future__ import annotations

from microkube.contracts.cni import CNIPlugin
from microkube.contracts.registration import Factory
from microkube.hookspecs._marker import hookspec


@hookspec
def microkube_cni_plugins() -> dict[str, Factory[CNIPlugin]]:
    """Register CNI plugins: ``{name: factory}``.

    Configuration ``cni: <name>`` selects one per kubelet; its factory returns a
    :class:`~microkube.contracts.cni.CNIPlugin` for the node (``FactoryContext.node_name``).
    """
