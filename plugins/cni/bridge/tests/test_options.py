from __future__ import annotations

import pytest
from microkube_cni_bridge.options import parse_options

from microkube.config import ConfigError


def test_defaults() -> None:
    options = parse_options({})
    assert options.bridge == "cni0" and options.subnet is None
    assert options.is_gateway and options.hairpin_mode and not options.ip_masq
    assert options.bin_dirs[0] == "/usr/lib/cni"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"bridge": "a-very-long-bridge-name"}, "bridge: 'a-very-long-bridge-name'"),
        ({"subnet": "10.0.0.0/33"}, "subnet: '10.0.0.0/33' is not a network"),
        ({"cni-version": "1.0"}, "cni-version: '1.0' must look like 1.0.0"),
        ({"mtu": -1}, "mtu must be >= 0"),
        ({"brige": "x"}, "unknown key 'brige'"),
    ],
)
def test_bad_values_name_the_key(section: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_options(section)
    assert message in str(info.value) and str(info.value).startswith("options.bridge")
    assert "\n" not in str(info.value)
