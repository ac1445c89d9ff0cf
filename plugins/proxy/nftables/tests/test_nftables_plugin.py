"""The plugin's wiring: entry point, hook, factory, options, and no work at import."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import microkube_proxy_nftables
import pytest
from microkube_proxy_nftables.backend import NftablesProxy
from microkube_proxy_nftables.options import parse_options

from microkube.config import ConfigError
from microkube.contracts import FactoryContext
from microkube.contracts.proxy import ServiceProxy
from microkube.plugins import load_plugins, registry_for

HOOK = "microkube_service_proxies"


def test_entry_point_is_wired():
    (ep,) = [ep for ep in entry_points(group="microkube.proxy") if ep.name == "nftables"]
    assert ep.value == "microkube_proxy_nftables"
    assert ep.dist is not None and ep.dist.name == "microkube-proxy-nftables"
    registry = load_plugins(["microkube.proxy"], allow=["nftables"])
    assert "nftables" in registry.registrations(HOOK)


def test_factory_builds_a_service_proxy(tmp_path):
    factory = registry_for(microkube_proxy_nftables).select(HOOK, "nftables")
    proxy = factory(FactoryContext(data_dir=tmp_path, options={"table": "kp", "engine": "command"}))
    assert isinstance(proxy, NftablesProxy) and isinstance(proxy, ServiceProxy)
    assert proxy.table == "kp" and proxy.options.engine == "command"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"engine": "ebpf"}, "engine"),
        ({"table": "no spaces"}, "table"),
        ({"masquerade-bit": 3}, "masquerade-bit"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_options_name_the_key(options, message):
    with pytest.raises(ConfigError, match=message) as info:
        parse_options(options)
    assert str(info.value).startswith("options.nftables")


def test_import_does_no_work():
    code = (
        "import sys, microkube_proxy_nftables; "
        "print(any(m.startswith('microkube_proxy_nftables.') for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
