"""The node's pod network as a configuration list: ``bridge`` with ``host-local`` IPAM, then
``portmap`` for hostPorts.

The address range is normally not in the list: the kubelet passes the node's ``podCIDR`` on
each call as the ``ipRanges`` capability (host-local reads it from ``runtimeConfig``), so one
configuration serves whatever range the node is given. Option ``subnet`` fixes a range for
callers that pass none.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from microkube.contracts import FactoryContext
from microkube_cni_bridge.exec_cni import ExecCNI
from microkube_cni_bridge.options import BridgeOptions, parse_options

__all__ = ["bridge_network", "data_dir_of", "network_list"]


def network_list(options: BridgeOptions, data_dir: Path) -> dict[str, Any]:
    ipam: dict[str, Any] = {
        "type": "host-local",
        "dataDir": str(data_dir / "networks"),
    }
    if options.subnet:
        ipam["ranges"] = [[{"subnet": options.subnet}]]
        default = "::/0" if ipaddress.ip_network(options.subnet).version == 6 else "0.0.0.0/0"
    else:
        default = "0.0.0.0/0"
    ipam["routes"] = [{"dst": default}]
    bridge: dict[str, Any] = {
        "type": "bridge",
        "bridge": options.bridge,
        "isGateway": options.is_gateway,
        "ipMasq": options.ip_masq,
        "hairpinMode": options.hairpin_mode,
        "capabilities": {"ipRanges": True},
        "ipam": ipam,
    }
    if options.mtu:
        bridge["mtu"] = options.mtu
    plugins: list[dict[str, Any]] = [bridge]
    if options.portmap:
        plugins.append({"type": "portmap", "capabilities": {"portMappings": True}, "snat": True})
    return {"cniVersion": options.cni_version, "name": options.network_name, "plugins": plugins}


def data_dir_of(options: BridgeOptions, context: FactoryContext) -> Path:
    """``data-dir``, or ``<data-dir>/cni/<node-name>`` (one per node sharing a data dir)."""
    if options.data_dir:
        return Path(options.data_dir)
    return Path(context.data_dir) / "cni" / (context.node_name or "node")


def bridge_network(context: FactoryContext) -> ExecCNI:
    """The factory behind ``cni: bridge``."""
    options = parse_options(context.options)
    data_dir = data_dir_of(options, context)
    return ExecCNI(
        network_list(options, data_dir),
        bin_dirs=options.bin_dirs,
        cache_dir=data_dir / "results",
        loopback=options.loopback,
        node_netns=options.netns,
        timeout=options.timeout,
    )
