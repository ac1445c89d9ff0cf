"""The API server's options: its ``options.apiserver`` section of the configuration.

```yaml
options:
  apiserver:
    port: 6443
    bind-address: 127.0.0.1
    service-cidr: 10.96.0.0/12
    tls: true                       # HTTPS with the cluster PKI of <data-dir>/pki
    anonymous-auth: null            # null: off with TLS, on without it
    token-auth-file: null           # CSV as kube-apiserver's --token-auth-file
    authenticators: [x509, token-file, service-account]
    authorization-modes: [node, rbac]
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
    #: An EncryptionConfiguration file (kube-apiserver's ``--encryption-provider-config``):
    #: the resources it names are encrypted at rest. None: stored as they are.
    encryption_provider_config: str | None = None
    #: Where audit events go, one JSON line each (``-`` = standard output); None: no audit.
    audit_log_path: str | None = None
    #: The audit Policy file (``audit.k8s.io/v1``); None with a log path: Metadata for all.
    audit_policy_file: str | None = None
    #: Audit backends by name (hook ``microkube_audit_backends``), each given the configuration
    #: section of its name; ``audit-log-path`` alone enables ``log``. Empty: no audit.
    audit_backends: tuple[str, ...] = ()
    #: Serve HTTPS with the cluster PKI (minted into ``<data-dir>/pki`` on first start).
    tls: bool = True
    #: Extra names and addresses for the serving certificate (kube-apiserver's SANs).
    tls_san: tuple[str, ...] = ()
    #: Requests without credentials run as ``system:anonymous``; None = only without TLS.
    anonymous_auth: bool | None = None
    #: Static bearer tokens, kube-apiserver's ``--token-auth-file`` CSV format.
    token_auth_file: str | None = None
    #: Authenticators (``microkube_authenticators``) asked in this order.
    authenticators: tuple[str, ...] = ("x509", "token-file", "service-account")
    #: Authorizers (``microkube_authorizers``) asked in this order (``--authorization-mode``).
    authorization_modes: tuple[str, ...] = ("node", "rbac")
    #: ``iss`` of service-account tokens, and their default audience.
    service_account_issuer: str = "https://kubernetes.default.svc.cluster.local"
    #: Cluster DNS domain (for the serving certificate's ``kubernetes.default.svc.<domain>``).
    cluster_domain: str = "cluster.local"

    @property
    def anonymous(self) -> bool:
        return (not self.tls) if self.anonymous_auth is None else self.anonymous_auth

    @property
    def node_port_range(self) -> tuple[int, int]:
        low, _, high = self.service_node_port_range.partition("-")
        return int(low), int(high)


def parse_options(options: Mapping[str, Any]) -> ApiServerOptions:
    """Validate the ``apiserver`` options section (an empty mapping gives the defaults)."""
    return structure_options(ApiServerOptions, options, "options.apiserver")
