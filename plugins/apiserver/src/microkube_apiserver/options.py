"""The API server's options: its ``options.apiserver`` section of the configuration.

```yaml
options:
  apiserver:
    port: 6443
    bind-address: 127.0.0.1
    service-cidr: 10.96.0.0/12
```

Unknown keys and bad values raise :class:`microkube.config.ConfigError` naming the key.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import attrs

from microkube.config import not_negative, positive, structure_options

__all__ = ["ApiServerOptions", "parse_options"]

#: kube-apiserver's default ``--max-request-body-bytes`` for resource writes (3 MiB).
DEFAULT_MAX_BODY = 3 * 1024 * 1024


def _port(instance: object, attribute: attrs.Attribute, value: int) -> None:
    if not 0 <= value <= 65535:
        raise ValueError(f"port must be 0..65535 (0 = any free port), got {value}")


def _cidr(instance: object, attribute: attrs.Attribute, value: str) -> None:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"service-cidr: {exc}") from None
    if network.num_addresses < 8:
        raise ValueError(f"service-cidr {value} is too small (at least /29)")


def _node_ports(instance: object, attribute: attrs.Attribute, value: str) -> None:
    low, sep, high = value.partition("-")
    if not sep or not low.isdigit() or not high.isdigit() or not 0 < int(low) <= int(high) < 65536:
        raise ValueError(f"service-node-port-range must look like 30000-32767, got {value!r}")


@attrs.frozen(kw_only=True)
class ApiServerOptions:
    #: TCP port to serve on (``microkube apiserver --port`` overrides it); 0 = any free port.
    port: int = attrs.field(default=6443, validator=_port)
    #: Address to listen on. Plain HTTP: keep it on loopback until TLS lands.
    bind_address: str = "127.0.0.1"
    #: ClusterIPs of Services are allocated from here; the first address is the
    #: ``kubernetes`` Service's.
    service_cidr: str = attrs.field(default="10.96.0.0/12", validator=_cidr)
    #: NodePorts are allocated from this inclusive range.
    service_node_port_range: str = attrs.field(default="30000-32767", validator=_node_ports)
    #: Largest accepted request body for a write, in bytes (413 beyond it).
    max_request_body_bytes: int = attrs.field(default=DEFAULT_MAX_BODY, validator=positive)
    #: Seconds between watch bookmarks for clients that allow them (Kubernetes: about 60).
    bookmark_interval: float = attrs.field(default=60.0, validator=positive)
    #: Admission plugins to run, by name; None = every installed one.
    admission_plugins: tuple[str, ...] | None = None
    #: Admission plugins never to run.
    disable_admission_plugins: tuple[str, ...] = ()
    #: Log every request (method, path, status, duration) at INFO.
    log_requests: bool = False
    #: Seconds to wait for a resourceVersion newer than the store's before answering 504.
    too_large_rv_wait: float = attrs.field(default=3.0, validator=not_negative)

    @property
    def node_port_range(self) -> tuple[int, int]:
        low, _, high = self.service_node_port_range.partition("-")
        return int(low), int(high)


def parse_options(options: Mapping[str, Any]) -> ApiServerOptions:
    """Validate the ``apiserver`` options section (an empty mapping gives the defaults)."""
    return structure_options(ApiServerOptions, options, "options.apiserver")
