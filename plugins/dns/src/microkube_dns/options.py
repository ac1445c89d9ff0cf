"""The DNS component's options: its ``options.dns`` section of the configuration.

```yaml
options:
  dns:
    cluster-domain: cluster.local
    address: 10.0.0.1           # where the server listens (UDP and TCP); default: advertise-address
    port: 53
    advertise-address: 10.0.0.1 # the kube-dns endpoint; default: the host's address toward
                                # service-ip (what pods reach through kube-proxy)
    service-ip: 10.96.0.10      # the kube-dns Service's ClusterIP (the kubelet's cluster-dns)
    upstream: []                # forward non-cluster names here; default: resolv-conf's
    upstream-timeout: 2.0
    ttl: 5
```
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import attrs

from microkube.config import positive, structure_options

__all__ = ["DnsOptions", "parse_options"]


def _ip(instance: object, attribute: attrs.Attribute, value: str | None) -> None:
    if value is None:
        return
    try:
        ipaddress.ip_address(value)
    except ValueError:
        name = attribute.name.replace("_", "-")
        raise ValueError(f"{name}: {value!r} is not an IP address") from None


def _port(instance: object, attribute: attrs.Attribute, value: int) -> None:
    if not 0 <= value <= 65535:
        raise ValueError(f"port must be 0..65535 (0 = any free port), got {value}")


def _upstreams(instance: object, attribute: attrs.Attribute, value: tuple[str, ...]) -> None:
    for item in value:
        host, _, port = item.rpartition(":") if item.count(":") == 1 else (item, "", "")
        try:
            ipaddress.ip_address(host)
            if port and not 0 < int(port) <= 65535:
                raise ValueError
        except ValueError:
            raise ValueError(f"upstream: {item!r} is not an IP address (or IPv4:port)") from None


def _domain(instance: object, attribute: attrs.Attribute, value: str) -> None:
    labels = value.strip(".").split(".")
    if not value.strip(".") or any(not label or len(label) > 63 for label in labels):
        raise ValueError(f"cluster-domain: {value!r} is not a domain name")


@attrs.frozen(kw_only=True)
class DnsOptions:
    cluster_domain: str = attrs.field(default="cluster.local", validator=_domain)
    #: Address the server listens on, UDP and TCP; default the advertise address. (A UDP
    #: server on 0.0.0.0 answers from the address routing picks, which, for a query that
    #: kube-proxy DNATed to the advertised address, is not the one conntrack expects.)
    address: str | None = attrs.field(default=None, validator=_ip)
    port: int = attrs.field(default=53, validator=_port)
    #: The address the kube-dns EndpointSlice names (None: found from the routing table).
    advertise_address: str | None = attrs.field(default=None, validator=_ip)
    #: The kube-dns Service's ClusterIP (kubeadm: the 10th address of the service CIDR).
    service_ip: str = attrs.field(default="10.96.0.10", validator=_ip)
    service_namespace: str = "kube-system"
    service_name: str = "kube-dns"
    #: Maintain the kube-dns Service and this server's EndpointSlice.
    register_service: bool = True
    #: Servers non-cluster names are forwarded to (default: the resolv-conf's nameservers).
    upstream: tuple[str, ...] = attrs.field(default=(), validator=_upstreams)
    resolv_conf: str = "/etc/resolv.conf"
    #: Seconds a forwarded query may take in all before the answer is SERVFAIL.
    upstream_timeout: float = attrs.field(default=2.0, validator=positive)
    #: TTL of every cluster answer, in seconds (CoreDNS's kubernetes plugin: 5).
    ttl: int = attrs.field(default=5, validator=positive)
    #: Path of the kubeconfig; default ``<data-dir>/kubeconfig``.
    kubeconfig: str | None = None
    #: Seconds start waits for the API server and the first lists.
    start_within: float = attrs.field(default=60.0, validator=positive)


def parse_options(options: Mapping[str, Any]) -> DnsOptions:
    """Validate the ``dns`` options section (an empty mapping gives the defaults)."""
    return structure_options(DnsOptions, options, "options.dns")
