"""The ``bridge`` CNI plugin's options: its ``options.bridge`` section of the configuration.

```yaml
cni: bridge
options:
  bridge:
    bridge: cni0            # the Linux bridge made in the node's network namespace
    subnet: 10.244.1.0/24   # only when the kubelet passes no pod CIDR (ipRanges)
    ip-masq: false
```

Unknown keys and bad values raise :class:`microkube.config.ConfigError` naming the key.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

import attrs

from microkube.config import not_negative, structure_options

__all__ = ["BridgeOptions", "parse_options"]

#: Linux interface names: at most 15 bytes, no '/' or whitespace.
_IFNAME = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def _ifname(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not _IFNAME.match(value):
        raise ValueError(
            f"bridge: {value!r} is not a valid interface name (1-15 of [A-Za-z0-9_.-])"
        )


def _subnet(instance: object, attribute: attrs.Attribute, value: str | None) -> None:
    if value is None:
        return
    try:
        ipaddress.ip_network(value)
    except ValueError:
        raise ValueError(f"subnet: {value!r} is not a network in CIDR form") from None


def _version(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not _VERSION.match(value):
        raise ValueError(f"cni-version: {value!r} must look like 1.0.0")


def _network_name(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", value):
        raise ValueError(f"network-name: {value!r} must be alphanumeric (with _ . -)")


@attrs.frozen(kw_only=True)
class BridgeOptions:
    #: Directories searched for the plugin binaries (``CNI_PATH``); Debian installs them in
    #: /usr/lib/cni, upstream's default is /opt/cni/bin.
    bin_dirs: tuple[str, ...] = ("/usr/lib/cni", "/opt/cni/bin")
    #: Result cache and host-local's allocations; default ``<data-dir>/cni/<node-name>``.
    data_dir: str | None = None
    #: The network's name (in the conflist, the cache and host-local's directory).
    network_name: str = attrs.field(default="microkube", validator=_network_name)
    cni_version: str = attrs.field(default="1.0.0", validator=_version)
    bridge: str = attrs.field(default="cni0", validator=_ifname)
    #: A fixed range for host-local; normally the kubelet passes the node's podCIDR per ADD
    #: (the ``ipRanges`` capability) and this stays unset.
    subnet: str | None = attrs.field(default=None, validator=_subnet)
    #: The bridge gets the gateway address and pods a default route through it.
    is_gateway: bool = True
    #: Masquerade pod traffic leaving the pod subnet. Off by default: pods reach pods on other
    #: nodes without NAT, and kube-proxy masquerades what must be.
    ip_masq: bool = False
    #: Let a pod reach itself through a Service (the veth's hairpin mode).
    hairpin_mode: bool = True
    #: Interface MTU (0: the bridge plugin's default).
    mtu: int = attrs.field(default=0, validator=not_negative)
    #: Add ``portmap`` to the chain (hostPort); needs iptables in the node's namespace.
    portmap: bool = True
    #: Bring the pod's loopback up with the ``loopback`` plugin (as containerd does).
    loopback: bool = True
    #: Run the binaries inside this network namespace (a path) instead of the caller's own:
    #: for a node whose network is a namespace the kubelet's process is not in.
    netns: str | None = None
    #: Seconds one plugin invocation may take before it is killed.
    timeout: float = attrs.field(default=30.0, validator=not_negative)


def parse_options(options: Mapping[str, Any]) -> BridgeOptions:
    """Validate the ``bridge`` options section (an empty mapping gives the defaults)."""
    return structure_options(BridgeOptions, options, "options.bridge")
