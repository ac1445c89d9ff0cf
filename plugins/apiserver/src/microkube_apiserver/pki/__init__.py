"""The cluster PKI: CA, serving certificate, service-account keys and per-component client
certificates, minted with ``cryptography`` into the data directory and reused after."""

from __future__ import annotations

from microkube_apiserver.pki.cluster import ClusterPki
from microkube_apiserver.pki.identities import (
    ADMIN,
    COMPONENT_IDENTITIES,
    Identity,
    kubelet_identity,
)
from microkube_apiserver.pki.names import serving_names

__all__ = [
    "ADMIN",
    "COMPONENT_IDENTITIES",
    "ClusterPki",
    "Identity",
    "kubelet_identity",
    "serving_names",
]
