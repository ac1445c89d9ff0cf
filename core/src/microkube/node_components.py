"""What makes a cluster networked, and the node components' settings that follow from it.

The kernel names these components (as it names the API server for ``up --port``) but never
imports them: ``microkube up`` and ``microkube agent`` use this to say which networking part
is not installed and to point the kubelet's ``cluster-dns`` at the cluster DNS Service, as
kubeadm writes ``clusterDNS`` into the kubelet's configuration.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from microkube.config import Config
from microkube.plugins import PluginRegistry

__all__ = [
    "DEFAULT_CLUSTER_DNS",
    "DNS",
    "KUBELET",
    "KUBE_PROXY",
    "NODE_COMPONENTS",
    "missing_network_parts",
    "up_network",
    "with_cluster_dns",
    "with_component_options",
    "with_pod_network",
]

KUBELET = "kubelet"
KUBE_PROXY = "kube-proxy"
DNS = "dns"
#: What ``microkube agent`` runs on a node, in this order.
NODE_COMPONENTS = (KUBELET, KUBE_PROXY)
#: The kube-dns Service's ClusterIP (kubeadm: the 10th address of 10.96.0.0/12).
DEFAULT_CLUSTER_DNS = "10.96.0.10"

_COMPONENT_DISTRIBUTIONS = {KUBE_PROXY: "microkube-kube-proxy", DNS: "microkube-dns"}
_SELECTED = (
    ("cni", "microkube_cni_plugins", "CNI plugin", "microkube-cni-{}"),
    ("proxy", "microkube_service_proxies", "service proxy backend", "microkube-proxy-{}"),
)


def missing_network_parts(
    registry: PluginRegistry, config: Config, components: Iterable[str]
) -> list[str]:
    """One line per networking part a cluster of ``components`` lacks (empty: networked)."""
    installed = registry.registrations("microkube_components")
    wanted = set(components)
    lines = [
        f"{name} is not installed (pip install {dist}): Services have no "
        + ("virtual IPs" if name == KUBE_PROXY else "DNS names")
        for name, dist in _COMPONENT_DISTRIBUTIONS.items()
        if name in wanted and name not in installed
    ]
    if KUBELET in wanted or KUBE_PROXY in wanted:
        for key, hook, what, dist in _SELECTED:
            name = getattr(config, key)
            if name and name not in registry.registrations(hook):
                lines.append(f"{what} {name!r} is not installed (pip install {dist.format(name)})")
    return lines


def with_component_options(config: Config, component: str, **defaults: Any) -> Config:
    """``config`` with ``options.<component>`` keys set where the configuration does not set
    them (dashed or underscored); None values are skipped."""
    section = dict(config.options.get(component, {}))
    present = {key.replace("_", "-") for key in section}
    for key, value in defaults.items():
        dashed = key.replace("_", "-")
        if value is not None and dashed not in present:
            section[dashed] = value
    return attrs.evolve(config, options={**config.options, component: section})


def with_pod_network(registry: PluginRegistry, config: Config) -> Config:
    """The kubelet's ``cni`` set to the configuration's CNI plugin when that plugin is
    installed (the kubelet's own default is host networking), unless configured."""
    if config.cni and config.cni in registry.registrations("microkube_cni_plugins"):
        return with_component_options(config, KUBELET, cni=config.cni)
    return config


def with_cluster_dns(config: Config, ip: str | None = None) -> Config:
    """The kubelet's ``cluster-dns`` set to ``ip`` (default: the dns component's
    ``service-ip``, else 10.96.0.10), and its ``cluster-domain`` to the dns component's,
    unless the configuration sets them."""
    dns_options = config.options.get(DNS, {})
    ip = ip or dns_options.get("service-ip") or dns_options.get("service_ip")
    domain = dns_options.get("cluster-domain") or dns_options.get("cluster_domain")
    return with_component_options(
        config, KUBELET, cluster_dns=[ip or DEFAULT_CLUSTER_DNS], cluster_domain=domain
    )


def up_network(
    registry: PluginRegistry, config: Config, names: list[str] | None
) -> tuple[Config, list[str]]:
    """``microkube up``'s configuration for a networked cluster, and a line per networking
    part missing. Without ``names`` (every installed component) the cluster is meant to
    have kube-proxy and DNS; the kubelet gets pods their own network through the CNI plugin
    when it is installed, and its ``cluster-dns`` points at the DNS Service when the dns
    component runs."""
    installed = registry.registrations("microkube_components")
    if names:
        wanted = list(names)
    elif config.components is not None:
        wanted = list(config.components)
    else:
        wanted = [*installed, *(n for n in (KUBE_PROXY, DNS) if n not in installed)]
    wanted = [n for n in wanted if n not in config.disabled_components]
    if KUBELET in wanted:
        config = with_pod_network(registry, config)
    if DNS in wanted and KUBELET in wanted and DNS in installed:
        config = with_cluster_dns(config)
    if KUBELET not in wanted:
        return config, []
    return config, missing_network_parts(registry, config, wanted)
