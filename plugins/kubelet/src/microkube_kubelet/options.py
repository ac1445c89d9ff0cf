"""The kubelet's options: its ``options.kubelet`` section of the configuration.

```yaml
options:
  kubelet:
    node-name: node-1                 # default: the host name
    max-pods: 110
    node-labels: {disktype: ssd}
    register-with-taints: ["dedicated=gpu:NoSchedule"]
    pod-manifest-path: /etc/microkube/manifests
```

Names and defaults follow the upstream kubelet's flags. Unknown keys and bad values raise
:class:`microkube.config.ConfigError` naming the key.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Mapping
from typing import Any

import attrs

from microkube.api.quantity import Quantity
from microkube.config import not_negative, positive, structure_options

__all__ = ["TAINT_EFFECTS", "KubeletOptions", "parse_options", "parse_taint"]

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)


def parse_taint(text: str) -> dict[str, str]:
    """``key[=value]:Effect`` (the ``--register-with-taints`` syntax) as a Taint dict."""
    spec, sep, effect = text.rpartition(":")
    if not sep or effect not in TAINT_EFFECTS:
        raise ValueError(
            f"register-with-taints: {text!r} must look like key=value:Effect with Effect one of "
            + ", ".join(TAINT_EFFECTS)
        )
    key, _, value = spec.partition("=")
    if not _LABEL_KEY.match(key):
        raise ValueError(f"register-with-taints: invalid taint key {key!r}")
    taint = {"key": key, "effect": effect}
    if value:
        taint["value"] = value
    return taint


def _taints(instance: object, attribute: attrs.Attribute, value: tuple[str, ...]) -> None:
    for text in value:
        parse_taint(text)


def _labels(instance: object, attribute: attrs.Attribute, value: Mapping[str, str]) -> None:
    for key in value:
        if not _LABEL_KEY.match(key):
            raise ValueError(f"node-labels: invalid label key {key!r}")


def _ip(instance: object, attribute: attrs.Attribute, value: str) -> None:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(
            f"{attribute.name.replace('_', '-')}: {value!r} is not an IP address"
        ) from None


def _ips(instance: object, attribute: attrs.Attribute, value: tuple[str, ...]) -> None:
    for item in value:
        _ip(instance, attribute, item)


def _optional_cidr(instance: object, attribute: attrs.Attribute, value: str | None) -> None:
    if value is None:
        return
    try:
        ipaddress.ip_network(value)
    except ValueError:
        raise ValueError(f"pod-cidr: {value!r} is not a network in CIDR form") from None


def _port(instance: object, attribute: attrs.Attribute, value: int) -> None:
    if not 0 <= value <= 65535:
        raise ValueError(f"port must be 0..65535 (0 = any free port), got {value}")


def _quantity(instance: object, attribute: attrs.Attribute, value: str) -> None:
    try:
        if Quantity(value).value() <= 0:
            raise ValueError
    except (ValueError, ArithmeticError):
        raise ValueError(
            f"{attribute.name.replace('_', '-')}: {value!r} is not a positive quantity (10Mi)"
        ) from None


def _default_node_name() -> str:
    return socket.gethostname().lower()


@attrs.frozen(kw_only=True)
class KubeletOptions:
    #: The Node's name (upstream: ``--hostname-override``, default the host name).
    node_name: str = attrs.field(factory=_default_node_name)
    #: Where pods' volumes and logs live; default ``<data-dir>/kubelet``.
    root_dir: str | None = None
    #: The container runtime, by registered name; default the configuration's ``runtime``.
    runtime: str | None = None
    #: Path of the kubeconfig to reach the API server; default ``<data-dir>/kubeconfig``.
    kubeconfig: str | None = None
    #: The Node's ``InternalIP`` (and the pods' ``hostIP``).
    node_ip: str = attrs.field(default="127.0.0.1", validator=_ip)
    #: Address of the kubelet's HTTPS server (logs, exec, port-forward, stats).
    address: str = attrs.field(default="127.0.0.1", validator=_ip)
    #: Port of the kubelet's HTTPS server (0 = any free port).
    port: int = attrs.field(default=10250, validator=_port)
    #: Run the HTTPS server at all (hollow nodes do not).
    serve: bool = True
    #: Directory of the server's certificate; default ``<root-dir>/pki``.
    cert_dir: str | None = None
    max_pods: int = attrs.field(default=110, validator=positive)
    #: DNS servers of ``dnsPolicy: ClusterFirst`` pods (the cluster DNS Service's IP).
    cluster_dns: tuple[str, ...] = attrs.field(default=(), validator=_ips)
    cluster_domain: str = "cluster.local"
    node_labels: dict[str, str] = attrs.field(factory=dict, validator=_labels)
    register_with_taints: tuple[str, ...] = attrs.field(default=(), validator=_taints)
    #: Seconds between node status computations (posted when changed).
    node_status_update_frequency: float = attrs.field(default=10.0, validator=positive)
    #: Seconds after which the node status is posted even if unchanged.
    node_status_report_frequency: float = attrs.field(default=300.0, validator=positive)
    node_lease_duration_seconds: int = attrs.field(default=40, validator=positive)
    #: Seconds between pod worker relists of the runtime (upstream PLEG: 1 s).
    pleg_relist_period: float = attrs.field(default=1.0, validator=positive)
    #: CrashLoopBackOff: first delay and the cap (upstream 10 s and 300 s).
    crashloop_backoff_initial: float = attrs.field(default=10.0, validator=positive)
    crashloop_backoff_max: float = attrs.field(default=300.0, validator=positive)
    #: Seconds between re-reads of ConfigMap/Secret volume sources (updates propagated).
    volume_refresh_period: float = attrs.field(default=60.0, validator=positive)
    container_log_max_size: str = attrs.field(default="10Mi", validator=_quantity)
    container_log_max_files: int = attrs.field(default=5, validator=positive)
    #: Seconds between log-rotation checks (upstream: 10 s).
    container_log_monitor_interval: float = attrs.field(default=10.0, validator=positive)
    #: Seconds between container stats collections (for ``/stats/summary``).
    stats_interval: float = attrs.field(default=10.0, validator=positive)
    #: A directory of static pod manifests (YAML or JSON), or none.
    pod_manifest_path: str | None = None
    #: Seconds between re-reads of ``pod-manifest-path`` (upstream ``fileCheckFrequency``).
    file_check_frequency: float = attrs.field(default=20.0, validator=positive)
    #: Seconds start waits for the kubeconfig file (the API server writes it as it starts).
    api_wait_seconds: float = attrs.field(default=30.0, validator=not_negative)
    #: The CNI plugin giving pods their network, by registered name (``bridge``); none: pods
    #: share the node's network as before. Runtimes that run CNI themselves ignore it.
    cni: str | None = None
    #: The node's pod CIDR (upstream ``podCIDR``); default: the Node's ``spec.podCIDR``.
    pod_cidr: str | None = attrs.field(default=None, validator=_optional_cidr)
    #: Where the kubelet pins pods' network namespaces (``ip netns`` looks in /run/netns).
    netns_dir: str = "/run/netns"

    @property
    def taints(self) -> list[dict[str, str]]:
        return [parse_taint(text) for text in self.register_with_taints]

    @property
    def log_max_size_bytes(self) -> int:
        return Quantity(self.container_log_max_size).value()


def parse_options(options: Mapping[str, Any]) -> KubeletOptions:
    """Validate the ``kubelet`` options section (an empty mapping gives the defaults)."""
    return structure_options(KubeletOptions, options, "options.kubelet")
