"""kube-proxy's options: its ``options.kube-proxy`` section of the configuration.

```yaml
proxy: nftables                 # the default backend, for every kube-proxy
options:
  kube-proxy:
    node-name: node-1           # default: the host name (as the kubelet's)
    node-ips: [192.168.1.10]    # default: the Node's InternalIP/ExternalIP addresses
    proxy-backend: iptables     # overrides `proxy` for this kube-proxy
    min-sync-period: 0.1        # seconds; batching window of incremental updates
  nftables: {netns: /proc/1234/ns/net}   # the selected backend's own options
```

Unknown keys and bad values raise :class:`microkube.config.ConfigError` naming the key.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from typing import Any

import attrs

from microkube.config import not_negative, positive, structure_options

__all__ = ["KubeProxyOptions", "parse_options"]


def _ips(instance: object, attribute: attrs.Attribute, value: tuple[str, ...]) -> None:
    for item in value:
        try:
            ipaddress.ip_address(item)
        except ValueError:
            raise ValueError(f"node-ips: {item!r} is not an IP address") from None


def _default_node_name() -> str:
    return socket.gethostname().lower()


@attrs.frozen(kw_only=True)
class KubeProxyOptions:
    #: The Node this kube-proxy serves (upstream ``--hostname-override``).
    node_name: str = attrs.field(factory=_default_node_name)
    #: The node's addresses (NodePorts answer on them); empty: read from the Node.
    node_ips: tuple[str, ...] = attrs.field(default=(), validator=_ips)
    #: The backend by registered name; default the configuration's ``proxy``.
    proxy_backend: str | None = None
    #: Seconds between incremental updates at most (upstream ``minSyncPeriod``).
    min_sync_period: float = attrs.field(default=0.1, validator=not_negative)
    #: Seconds before a failed backend call is retried (as a full sync).
    retry_seconds: float = attrs.field(default=1.0, validator=positive)
    #: Path of the kubeconfig to reach the API server; default ``<data-dir>/kubeconfig``.
    kubeconfig: str | None = None
    #: Seconds start waits for the API server and the first lists.
    start_within: float = attrs.field(default=60.0, validator=positive)


def parse_options(options: Mapping[str, Any]) -> KubeProxyOptions:
    """Validate the ``kube-proxy`` options section (an empty mapping gives the defaults)."""
    return structure_options(KubeProxyOptions, options, "options.kube-proxy")
