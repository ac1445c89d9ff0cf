"""ServiceClusterIPs: every Service that needs one gets a ClusterIP from the service CIDR.

A requested ``spec.clusterIP`` is reserved (422 when taken or outside the range); otherwise a
free one is chosen. Headless (``None``) and ExternalName Services get none. On update the
allocated IP carries over when the client left it out; IPs of deleted Services, and of writes
that did not happen, are freed.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from microkube.contracts.admission import AdmissionDenied, AdmissionRequest, Operation
from microkube_apiserver.admission.allocator import RangeAllocator
from microkube_apiserver.admission.chain import AdmissionHost
from microkube_apiserver.admission.service_allocations import (
    ServiceAllocations,
    allocation_owner,
    is_service,
)
from microkube_apiserver.admission.validation import field
from microkube_apiserver.admission.validation.field import denial
from microkube_apiserver.store import keys

__all__ = ["ServiceClusterIPs", "cluster_ips"]


def cluster_ips(service: dict[str, Any] | None) -> set[str]:
    spec = (service or {}).get("spec") or {}
    ips = set(spec.get("clusterIPs") or [])
    if spec.get("clusterIP"):
        ips.add(spec["clusterIP"])
    return {ip for ip in ips if ip and ip != "None"}


def _invalid(name: str, ips: list[str], detail: str) -> AdmissionDenied:
    return denial("Service", "", name, [field.invalid("spec.clusterIPs", ips, detail)])


class ServiceClusterIPs(ServiceAllocations):
    name = "ServiceClusterIPs"

    held = staticmethod(cluster_ips)

    def __init__(self) -> None:
        super().__init__()
        self._network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None

    def bind_host(self, host: AdmissionHost) -> None:
        network = ipaddress.ip_network(host.options.service_cidr)
        self._network = network
        size = network.num_addresses
        last = size - 1 if network.version == 4 else size  # no broadcast address in IPv4
        band = min(max(16, size // 16), 256)
        self._allocator = RangeAllocator(
            host.storage,
            "serviceips",
            lambda index: str(network[index]),
            last,
            first=1,
            dynamic_from=max(band, 2),
            owner_key=lambda namespace, name: keys.object_key("", "services", namespace, name),
        )

    def handles(self, request: AdmissionRequest) -> bool:
        return (
            is_service(request)
            and request.operation in (Operation.CREATE, Operation.UPDATE)
            and not request.subresource
            and request.object is not None
        )

    async def admit(self, request: AdmissionRequest) -> None:
        if self._allocator is None or request.object is None:
            return
        spec = request.object.setdefault("spec", {})
        if spec.get("type") == "ExternalName":
            return
        old_ips = cluster_ips(request.old_object)
        requested = spec.get("clusterIP") or (spec.get("clusterIPs") or [None])[0]
        if requested == "None":
            spec["clusterIP"] = "None"
            spec["clusterIPs"] = ["None"]
            return
        if not requested and old_ips:
            old_spec = (request.old_object or {}).get("spec") or {}
            spec["clusterIP"] = old_spec.get("clusterIP")
            spec["clusterIPs"] = list(old_spec.get("clusterIPs") or [old_spec.get("clusterIP")])
            return
        owner = allocation_owner(request)
        if requested:
            if requested in old_ips:
                return
            self._check_in_range(request.name, requested)
            if not await self._allocator.reserve(requested, owner, dry_run=request.dry_run):
                raise _invalid(
                    request.name,
                    [requested],
                    f"failed to allocate IP {requested}: provided IP is already allocated",
                )
            ip = requested
        else:
            allocated = await self._allocator.allocate(owner, dry_run=request.dry_run)
            if allocated is None:
                raise _invalid(request.name, [], "failed to allocate a serviceIP: range is full")
            ip = allocated
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]

    def _check_in_range(self, name: str, requested: str) -> None:
        assert self._network is not None
        try:
            inside = ipaddress.ip_address(requested) in self._network
        except ValueError:
            raise _invalid(
                name, [requested], "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
            ) from None
        if not inside:
            raise _invalid(
                name,
                [requested],
                f"failed to allocate IP {requested}: the provided IP ({requested}) is not in the "
                f"valid range. The range of valid IPs is {self._network}",
            )
