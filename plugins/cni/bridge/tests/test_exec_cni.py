"""Which plugins of the list an attachment runs."""

from __future__ import annotations

from microkube_cni_bridge.exec_cni import _without_idle_portmap


def test_portmap_runs_only_for_an_attachment_that_maps_ports() -> None:
    network = {
        "name": "n",
        "plugins": [
            {"type": "bridge"},
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    idle = _without_idle_portmap(network, {"ipRanges": [[{"subnet": "10.244.1.0/24"}]]})
    assert [p["type"] for p in idle["plugins"]] == ["bridge"]
    mapping = {"hostPort": 80, "containerPort": 8080, "protocol": "tcp"}
    mapped = _without_idle_portmap(network, {"portMappings": [mapping]})
    assert [p["type"] for p in mapped["plugins"]] == ["bridge", "portmap"]
    assert [p["type"] for p in network["plugins"]] == ["bridge", "portmap"]  # not changed
