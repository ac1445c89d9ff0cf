"""The kubelet's options section: defaults, validation, errors naming the key."""

from __future__ import annotations

import socket

import pytest
from microkube_kubelet.options import parse_options, parse_taint

from microkube.config import ConfigError


def test_defaults_are_upstreams():
    options = parse_options({})
    assert options.node_name == socket.gethostname().lower()
    assert options.max_pods == 110
    assert options.node_status_update_frequency == 10.0
    assert options.node_status_report_frequency == 300.0
    assert options.node_lease_duration_seconds == 40
    assert options.crashloop_backoff_initial == 10.0 and options.crashloop_backoff_max == 300.0
    assert options.log_max_size_bytes == 10 * 1024 * 1024 and options.container_log_max_files == 5
    assert options.node_ip == "127.0.0.1" and options.address == "127.0.0.1"
    assert options.cni is None and options.pod_cidr is None  # pods on the host network
    assert options.netns_dir == "/run/netns"


def test_taints_and_labels():
    options = parse_options(
        {"register-with-taints": ["a=b:NoSchedule", "c:NoExecute"], "node-labels": {"x/y": "z"}}
    )
    assert options.taints == [
        {"key": "a", "value": "b", "effect": "NoSchedule"},
        {"key": "c", "effect": "NoExecute"},
    ]
    assert parse_taint("k=v:PreferNoSchedule")["effect"] == "PreferNoSchedule"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"max-pods": 0}, "max-pods must be > 0"),
        ({"register-with-taints": ["nope"]}, "must look like key=value:Effect"),
        ({"node-ip": "not-an-ip"}, "is not an IP address"),
        ({"container-log-max-size": "lots"}, "is not a positive quantity"),
        ({"port": 70000}, "port must be 0..65535"),
        ({"node-labels": {"bad key!": "v"}}, "invalid label key"),
        ({"max_podz": 1}, "unknown key"),
        ({"pod-cidr": "10.244.0.0/33"}, "pod-cidr: '10.244.0.0/33' is not a network"),
    ],
)
def test_bad_values_name_the_key(section, message):
    with pytest.raises(ConfigError, match=r"options\.kubelet") as info:
        parse_options(section)
    assert message in str(info.value)
