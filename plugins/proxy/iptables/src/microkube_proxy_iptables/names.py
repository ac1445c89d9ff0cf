"""Chain names as kube-proxy computes them, so rules read the same as on any Kubernetes node.

``KUBE-SVC-`` + the first 16 characters of base32(sha256(service port name + protocol)),
with the protocol in lower case; endpoint chains hash the endpoint (``ip:port``) in too.
"""

from __future__ import annotations

import base64
import functools
import hashlib

from microkube.contracts.proxy import ServicePortName

#: Prefixes of the per-service chains this backend creates (and may delete).
SERVICE_CHAIN_PREFIXES = ("KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-FW-", "KUBE-SEP-")


@functools.lru_cache(maxsize=1 << 17)
def _hash(text: str) -> str:
    # base32 turns each 5 bytes into 8 characters on its own: the first 16 characters of
    # the whole digest's encoding are those of its first 10 bytes.
    return base64.b32encode(hashlib.sha256(text.encode()).digest()[:10]).decode()


def port_proto_hash(name: ServicePortName, protocol: str) -> str:
    return _hash(f"{name}{protocol.lower()}")


def service_chain(name: ServicePortName, protocol: str) -> str:
    """The Cluster traffic policy chain: every usable endpoint."""
    return "KUBE-SVC-" + port_proto_hash(name, protocol)


def local_chain(name: ServicePortName, protocol: str) -> str:
    """The Local traffic policy chain: this node's usable endpoints."""
    return "KUBE-SVL-" + port_proto_hash(name, protocol)


def external_chain(name: ServicePortName, protocol: str) -> str:
    """Where NodePort, external IP and load-balancer traffic goes first."""
    return "KUBE-EXT-" + port_proto_hash(name, protocol)


def firewall_chain(name: ServicePortName, protocol: str) -> str:
    """loadBalancerSourceRanges: which sources may use the load-balancer IPs."""
    return "KUBE-FW-" + port_proto_hash(name, protocol)


def endpoint_chain(name: ServicePortName, protocol: str, endpoint: str) -> str:
    """One endpoint (``ip:port``) of one service port: masquerade hairpin, then DNAT."""
    return "KUBE-SEP-" + _hash(f"{name}{protocol.lower()}{endpoint}")


def is_service_chain(chain: str) -> bool:
    return chain.startswith(SERVICE_CHAIN_PREFIXES)
