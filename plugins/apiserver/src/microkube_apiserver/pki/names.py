"""The names and addresses the API server's serving certificate must carry.

As kubeadm: loopback, the host's name and addresses, the in-cluster ``kubernetes`` Service
names and its ClusterIP (the first address of the Service CIDR), plus any extra names.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Iterable

__all__ = ["host_addresses", "serving_names"]

SERVICE_NAMES = (
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
)


def host_addresses() -> list[str]:
    """The host's name, its fully qualified name, and the addresses they resolve to, plus the
    address of the default route's interface (found without sending anything)."""
    names = [socket.gethostname().lower()]
    with contextlib.suppress(OSError):
        names.append(socket.getfqdn().lower())
    addresses: list[str] = []
    with contextlib.suppress(OSError):
        addresses += socket.gethostbyname_ex(names[0])[2]
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("192.0.2.1", 9))  # UDP connect: only picks the route, sends nothing
        addresses.append(sock.getsockname()[0])
    return names + addresses


def serving_names(
    service_cidr: str,
    cluster_domain: str = "cluster.local",
    bind_address: str = "",
    extra: Iterable[str] = (),
) -> list[str]:
    """Every SAN of the serving certificate, without repeats, in a stable order."""
    first_service_ip = str(next(ipaddress.ip_network(service_cidr).hosts()))
    names = ["localhost", "127.0.0.1", "::1", *SERVICE_NAMES]
    names.append(f"kubernetes.default.svc.{cluster_domain}")
    names.append(first_service_ip)
    if bind_address and bind_address not in ("0.0.0.0", "::"):
        names.append(bind_address)
    names += host_addresses()
    names += list(extra)
    return [n for n in dict.fromkeys(names) if n]
