"""The ``etcd`` backend's options: its section of the configuration, validated here.

Keys are written with dashes (``request-timeout``); underscores are accepted too. Unknown keys
and bad values raise :class:`microkube.config.ConfigError` naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

from microkube.config import ConfigError, not_negative, positive, structure_options


def _endpoints(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        raise ValueError(f"endpoints must be a list or a comma-separated string, got {value!r}")
    endpoints = tuple(item.strip() for item in items if item.strip())
    for endpoint in endpoints:
        parts = urlsplit(endpoint if "://" in endpoint else f"http://{endpoint}")
        try:
            port = parts.port
        except ValueError:
            port = None
        if parts.scheme not in ("http", "https") or not parts.hostname or port is None:
            raise ValueError(f"endpoints: {endpoint!r} is not http(s)://host:port")
    if not endpoints:
        raise ValueError("endpoints must name at least one etcd member")
    return endpoints


@attrs.frozen(kw_only=True)
class EtcdOptions:
    """Every knob of the backend, with its default."""

    #: Client URLs of the etcd members (``http://127.0.0.1:2379``; ``https://`` for TLS), a
    #: list or a comma-separated string; always a ``tuple[str, ...]`` once validated.
    endpoints: Any = attrs.field(default=("http://127.0.0.1:2379",), converter=_endpoints)
    #: Key prefix under which this cluster's keys live in etcd ("" = none), so several
    #: clusters can share one etcd (kube-apiserver's ``--etcd-prefix``).
    prefix: str = ""
    #: TLS to etcd: the CA that signed the members' certificates ...
    ca_file: str | None = None
    #: ... and this client's certificate and key (etcd's ``--client-cert-auth``).
    cert_file: str | None = None
    key_file: str | None = None
    #: Seconds one call may take before it fails (and moves to another member).
    request_timeout: float = attrs.field(default=10.0, validator=positive)
    #: Largest response accepted, bytes (-1 = no limit; gRPC's own default is 4 MiB).
    max_receive_bytes: int = -1
    #: Seconds between compactions, coordinated across API servers as kube-apiserver does
    #: (a compare-and-swap on the ``compact_rev_key`` key); 0 = never.
    compaction_interval: float = attrs.field(default=300.0, validator=not_negative)
    #: Seconds of silence after which a watch asks etcd for a progress notification; 0 = never.
    progress_interval: float = attrs.field(default=5.0, validator=not_negative)

    def __attrs_post_init__(self) -> None:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert-file and key-file go together")
        if self.max_receive_bytes == 0 or self.max_receive_bytes < -1:
            raise ValueError("max-receive-bytes must be > 0 or -1 (no limit)")


def parse_options(options: Mapping[str, Any]) -> EtcdOptions:
    """Validate the ``etcd`` options section (an empty mapping gives the defaults)."""
    try:
        return structure_options(EtcdOptions, options, "options.etcd")
    except ValueError as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"options.etcd: {exc}") from None
