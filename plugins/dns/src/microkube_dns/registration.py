"""The kube-dns Service and this server's EndpointSlice, so the cluster DNS IP reaches it.

The server runs outside any pod, so the Service has no selector (the EndpointSlice controller
leaves it alone) and each server publishes its own slice, named after its address, through
server-side apply; it deletes the slice when it stops, so kube-proxy stops sending it queries.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
from typing import Any

from microkube.client.api import ApiClient
from microkube.client.errors import ApiError, NotFoundError
from microkube_dns.cluster_view import dashed_ip
from microkube_dns.options import DnsOptions

__all__ = ["FIELD_MANAGER", "ServiceRegistration", "address_toward"]

log = logging.getLogger(__name__)

FIELD_MANAGER = "microkube-dns"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
PORTS = (("dns", "UDP"), ("dns-tcp", "TCP"))


def address_toward(ip: str) -> str:
    """The source address this host uses to reach ``ip`` (no packet is sent), or loopback
    when there is no route."""
    family = socket.AF_INET6 if ipaddress.ip_address(ip).version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((ip, 53))
        except OSError:
            return "::1" if family == socket.AF_INET6 else "127.0.0.1"
        return probe.getsockname()[0]


def service_body(options: DnsOptions) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": options.service_name,
            "namespace": options.service_namespace,
            "labels": {"k8s-app": "kube-dns", "kubernetes.io/name": "microkube-dns"},
        },
        "spec": {
            "clusterIP": options.service_ip,
            "ports": [
                {"name": name, "protocol": protocol, "port": 53, "targetPort": 53}
                for name, protocol in PORTS
            ],
        },
    }


def slice_body(options: DnsOptions, address: str, port: int) -> dict[str, Any]:
    version = ipaddress.ip_address(address).version
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": f"{options.service_name}-{dashed_ip(address)}",
            "namespace": options.service_namespace,
            "labels": {SERVICE_NAME_LABEL: options.service_name, MANAGED_BY_LABEL: FIELD_MANAGER},
        },
        "addressType": "IPv4" if version == 4 else "IPv6",
        "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
        "ports": [{"name": name, "protocol": protocol, "port": port} for name, protocol in PORTS],
    }


class ServiceRegistration:
    def __init__(self, api: ApiClient, options: DnsOptions, address: str, port: int) -> None:
        self.api = api
        self.options = options
        self.slice = slice_body(options, address, port)

    async def publish(self) -> None:
        """Create or update the Service and this server's slice. A kube-dns Service with
        another ClusterIP is an error naming both (ClusterIPs are immutable)."""
        body = service_body(self.options)
        with contextlib.suppress(NotFoundError):
            current = await self.api.get(
                "services", self.options.service_name, self.options.service_namespace
            )
            ip = (current.get("spec") or {}).get("clusterIP")
            if ip and ip != self.options.service_ip:
                raise ValueError(
                    f"Service {self.options.service_namespace}/{self.options.service_name} "
                    f"has ClusterIP {ip}, not service-ip {self.options.service_ip}"
                )
        await self.api.apply("services", body, field_manager=FIELD_MANAGER, force=True)
        await self.api.apply("endpointslices", self.slice, field_manager=FIELD_MANAGER, force=True)

    async def withdraw(self) -> None:
        metadata = self.slice["metadata"]
        try:
            await self.api.delete("endpointslices", metadata["name"], metadata["namespace"])
        except NotFoundError:
            pass
        except (ApiError, OSError) as exc:
            log.warning("could not delete EndpointSlice %s: %s", metadata["name"], exc)
