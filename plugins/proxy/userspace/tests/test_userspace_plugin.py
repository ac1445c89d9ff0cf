"""The entry point is wired and the options are validated with messages naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from microkube_proxy_userspace.addresses import AddressError
from microkube_proxy_userspace.proxier import UserspaceProxy

from microkube.config import ConfigError
from microkube.contracts.proxy import ProxyState, ServiceProxy
from microkube.contracts.registration import FactoryContext
from microkube.plugins import load_plugins


def build(tmp_path: Path, **options: object) -> UserspaceProxy:
    registry = load_plugins(groups=["microkube.proxy"])
    factory = registry.select("microkube_service_proxies", "userspace")
    return factory(FactoryContext(data_dir=tmp_path, node_name="n1", options=options))


def test_selected_through_the_entry_point(tmp_path: Path) -> None:
    proxy = build(tmp_path, **{"udp-idle-timeout": 5, "device": "eth0"})
    assert isinstance(proxy, UserspaceProxy) and isinstance(proxy, ServiceProxy)
    assert proxy.options.udp_idle_timeout == 5 and proxy.node_name == "n1"
    assert proxy.addresses.label == "eth0:mkproxy"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"connect-timeout": 0}, r"options.userspace: connect-timeout must be > 0"),
        ({"buffer-bytes": -1}, r"buffer-bytes must be > 0"),
        ({"device": "averylongname"}, r"device must be an interface name of 1-7 characters"),
        ({"uvloop": True}, r"unknown key 'uvloop'"),
    ],
)
def test_bad_options_name_the_key(tmp_path: Path, options: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build(tmp_path, **options)


async def test_update_before_sync_and_use_before_start_are_errors() -> None:
    proxy = UserspaceProxy()
    with pytest.raises(RuntimeError, match="before the first sync"):
        await proxy.update({})
    with pytest.raises(RuntimeError, match="not started"):
        await proxy.sync(ProxyState(node_name="n1"))
    await proxy.close()  # closing what never started is fine


async def test_a_missing_ip_command_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    proxy = UserspaceProxy()
    with pytest.raises(AddressError, match=r"^ip: not installed"):
        await proxy.start()
    await proxy.close()
