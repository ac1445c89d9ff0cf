from __future__ import annotations

import pytest
from microkube_cni_bridge.results import parse_result

from microkube.contracts.cni import CNIError

RESULT = {
    "cniVersion": "1.0.0",
    "interfaces": [
        {"name": "cni0", "mac": "aa:bb:cc:dd:ee:01"},
        {"name": "eth0", "mac": "aa:bb:cc:dd:ee:02", "sandbox": "/run/netns/p"},
    ],
    "ips": [{"address": "10.244.1.5/24", "gateway": "10.244.1.1", "interface": 1}],
    "routes": [{"dst": "0.0.0.0/0", "gw": "10.244.1.1"}],
    "dns": {"nameservers": ["10.96.0.10"]},
}


def test_a_1_0_0_result() -> None:
    result = parse_result(RESULT, "1.0.0")
    assert result.pod_ip() == "10.244.1.5"
    assert result.interfaces[1].sandbox == "/run/netns/p"
    assert result.ips[0].interface == 1 and result.ips[0].gateway == "10.244.1.1"
    assert result.routes[0].dst == "0.0.0.0/0" and result.dns_nameservers == ("10.96.0.10",)


def test_a_0_4_0_result_with_ip_versions() -> None:
    raw = {"cniVersion": "0.4.0", "ips": [{"version": "4", "address": "10.0.0.2/8"}]}
    assert parse_result(raw, "1.0.0").pod_ip() == "10.0.0.2"


@pytest.mark.parametrize(
    "raw",
    [
        {"ips": [{"address": "10.0.0.2"}]},  # no prefix length
        {"ips": [{"address": "not-an-ip/24"}]},
        {"ips": [{"address": "10.0.0.2/24", "interface": 3}]},  # no such interface
        {"interfaces": [{"mac": "x"}]},  # interface without a name
        {"routes": [{"gw": "10.0.0.1"}]},
    ],
)
def test_malformed_results_are_decode_errors(raw: dict[str, object]) -> None:
    with pytest.raises(CNIError) as info:
        parse_result(raw, "1.0.0")
    assert info.value.code == 6
