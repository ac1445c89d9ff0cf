"""The plugin's wiring and options, and the backend chosen by configuration."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
from microkube_kube_proxy.backend_factory import build_backend
from microkube_kube_proxy.node_addresses import node_ips
from microkube_kube_proxy.options import parse_options

from microkube.config import Config, ConfigError
from microkube.plugins import PluginRegistry, SelectionError, load_plugins


def test_component_entry_point_is_wired():
    (ep,) = [ep for ep in entry_points(group="microkube.components") if ep.name == "kube-proxy"]
    assert ep.value == "microkube_kube_proxy"
    registry = load_plugins(["microkube.components"], allow=["kube-proxy"])
    spec = registry.registrations("microkube_components")["kube-proxy"].factory
    assert spec.order == 60


def test_options_defaults_and_errors():
    options = parse_options({"node-ips": ["10.0.0.1"], "proxy-backend": "iptables"})
    assert options.node_ips == ("10.0.0.1",) and options.proxy_backend == "iptables"
    assert options.min_sync_period == 0.1
    with pytest.raises(ConfigError, match="node-ips: 'ten' is not an IP address"):
        parse_options({"node-ips": ["ten"]})
    with pytest.raises(ConfigError, match="min-sync-period"):
        parse_options({"min-sync-period": -1})
    with pytest.raises(ConfigError, match=r"options\.kube-proxy"):
        parse_options({"proxy": "x"})


def test_backend_is_built_by_name_with_its_own_options(tmp_path: Path):
    config = Config(options={"nftables": {"table": "kp1"}})
    registry = load_plugins(["microkube.proxy"])
    backend = build_backend(registry, config, "nftables", tmp_path, None, "node-a")
    assert backend.table == "kp1" and backend.node_name == "node-a"


def test_an_unknown_backend_names_the_installed_ones(tmp_path: Path):
    registry = load_plugins(["microkube.components"], allow=["kube-proxy"])
    assert isinstance(registry, PluginRegistry)
    with pytest.raises(SelectionError, match="nftables"):
        build_backend(registry, Config(), "ipvs", tmp_path, None, "node-a")


def test_node_ips_come_from_internal_then_external_addresses():
    node = {
        "status": {
            "addresses": [
                {"type": "Hostname", "address": "node-a"},
                {"type": "ExternalIP", "address": "203.0.113.4"},
                {"type": "InternalIP", "address": "192.168.1.4"},
                {"type": "InternalIP", "address": "not-an-ip"},
            ]
        }
    }
    assert node_ips(node) == ("192.168.1.4", "203.0.113.4")
    assert node_ips(None) == ()
