"""The entry point is wired and the options are validated with messages naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from microkube_proxy_iptables.commands import IptablesError
from microkube_proxy_iptables.proxier import IptablesProxy

from microkube.config import ConfigError
from microkube.contracts.proxy import ServiceProxy
from microkube.contracts.registration import FactoryContext
from microkube.plugins import load_plugins


def build(tmp_path: Path, **options: object) -> IptablesProxy:
    registry = load_plugins(groups=["microkube.proxy"])
    factory = registry.select("microkube_service_proxies", "iptables")
    return factory(FactoryContext(data_dir=tmp_path, node_name="n1", options=options))


def test_selected_through_the_entry_point(tmp_path: Path) -> None:
    proxy = build(tmp_path, **{"cluster-cidr": "10.244.0.0/16", "mode": "nft"})
    assert isinstance(proxy, IptablesProxy) and isinstance(proxy, ServiceProxy)
    assert proxy.options.cluster_cidr == "10.244.0.0/16" and proxy.node_name == "n1"
    assert proxy.iptables.mode == "nft"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"mode": "ipvs"}, r"options.iptables: mode must be one of legacy, nft, got 'ipvs'"),
        ({"cluster-cidr": "10.0.0.0/33"}, r"cluster-cidr: .*10.0.0.0/33"),
        ({"cluster-cidr": "fd00::/64"}, r"cluster-cidr: the iptables backend programs IPv4 only"),
        ({"masquerade-bit": 40}, r"masquerade-bit must be within 0..31"),
        ({"no-such-key": 1}, r"unknown key 'no-such-key'"),
    ],
)
def test_bad_options_name_the_key(tmp_path: Path, options: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build(tmp_path, **options)


async def test_a_missing_binary_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(IptablesError, match=r"^iptables-legacy-save: not installed$"):
        await IptablesProxy().start()
