"""What a networked cluster needs, and the kubelet's cluster DNS that follows from it."""

from __future__ import annotations

from microkube import hookimpl
from microkube.config import Config
from microkube.contracts.component import ComponentSpec
from microkube.node_components import (
    missing_network_parts,
    up_network,
    with_cluster_dns,
    with_component_options,
)
from microkube.plugins import registry_for


def _components(*names: str):
    class Components:
        @hookimpl
        def microkube_components(self):
            return {name: ComponentSpec(factory=lambda ctx: None) for name in names}

    return Components()


class Network:
    @hookimpl
    def microkube_cni_plugins(self):
        return {"bridge": lambda ctx: None}

    @hookimpl
    def microkube_service_proxies(self):
        return {"nftables": lambda ctx: None}


def test_a_full_cluster_lacks_nothing_and_points_pods_at_the_dns_service() -> None:
    registry = registry_for(_components("apiserver", "kubelet", "kube-proxy", "dns"), Network())
    config, missing = up_network(registry, Config(), None)
    assert missing == []
    assert config.options["kubelet"] == {"cni": "bridge", "cluster-dns": ["10.96.0.10"]}


def test_each_missing_part_is_named_with_what_to_install() -> None:
    registry = registry_for(_components("apiserver", "kubelet"))
    config, missing = up_network(registry, Config(), None)
    assert "kubelet" not in config.options  # no CNI, no DNS: host network, the node's resolver
    assert missing == [
        "kube-proxy is not installed (pip install microkube-kube-proxy): "
        "Services have no virtual IPs",
        "dns is not installed (pip install microkube-dns): Services have no DNS names",
        "CNI plugin 'bridge' is not installed (pip install microkube-cni-bridge)",
        "service proxy backend 'nftables' is not installed (pip install microkube-proxy-nftables)",
    ]


def test_components_named_or_disabled_are_the_ones_checked() -> None:
    registry = registry_for(_components("apiserver", "kubelet"), Network())
    assert up_network(registry, Config(), ["apiserver"]) == (Config(), [])
    disabled = Config(disabled_components=("kube-proxy", "dns"))
    assert up_network(registry, disabled, None)[1] == []
    assert missing_network_parts(registry, Config(proxy="iptables"), ["kubelet"]) == [
        "service proxy backend 'iptables' is not installed (pip install microkube-proxy-iptables)"
    ]


def test_configured_values_win() -> None:
    config = Config(options={"kubelet": {"cluster_dns": ["10.0.0.53"]}})
    assert with_cluster_dns(config).options["kubelet"] == {"cluster_dns": ["10.0.0.53"]}
    moved = Config(options={"dns": {"service-ip": "10.100.0.10", "cluster-domain": "k.test"}})
    assert with_cluster_dns(moved).options["kubelet"] == {
        "cluster-dns": ["10.100.0.10"],
        "cluster-domain": "k.test",
    }
    set_once = with_component_options(Config(), "kubelet", node_name="a", node_ip=None)
    assert set_once.options["kubelet"] == {"node-name": "a"}
