"""Everything that makes a server secure, built once at start from the configuration: the
cluster PKI (minted on first start), the TLS context, the front door and the token issuer."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from microkube_apiserver.authn.build import build_front_door
from microkube_apiserver.authn.front_door import FrontDoor
from microkube_apiserver.authn.tokens import TokenIssuer
from microkube_apiserver.options import ApiServerOptions
from microkube_apiserver.pki import ClusterPki, serving_names

__all__ = ["ServerSecurity", "build_security", "kubelet_node_names"]


@attrs.frozen
class ServerSecurity:
    pki: ClusterPki
    front_door: FrontDoor
    token_issuer: TokenIssuer
    #: None when TLS is off (``tls: false``): plain HTTP, where kubectl sends no credentials.
    ssl_context: ssl.SSLContext | None


def kubelet_node_names(config_options: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The node the local kubelet will be (its ``node-name`` option, else the host name, as
    the kubelet defaults it): its client certificate is minted with the others."""
    name = (config_options.get("kubelet") or {}).get("node-name")
    return [str(name) if name else socket.gethostname().lower()]


def build_security(
    registry: Any,
    options: ApiServerOptions,
    data_dir: Path,
    plugin_options: Mapping[str, Mapping[str, Any]] | None = None,
) -> ServerSecurity:
    """Ensure the PKI in ``<data-dir>/pki`` and build the rest on it (blocking: run it in a
    thread)."""
    pki_dir = data_dir / "pki"
    pki = ClusterPki.ensure(
        pki_dir,
        lambda: serving_names(
            options.service_cidr, options.cluster_domain, options.bind_address, options.tls_san
        ),
    )
    door = build_front_door(registry, options, data_dir, pki_dir, plugin_options)
    issuer = TokenIssuer(pki.sa_key_pem, pki.sa_pub_pem, options.service_account_issuer)
    return ServerSecurity(
        pki=pki,
        front_door=door,
        token_issuer=issuer,
        ssl_context=pki.server_ssl_context() if options.tls else None,
    )
