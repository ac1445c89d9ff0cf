"""ServiceNodePorts: NodePort and LoadBalancer Services get a node port per service port.

Requested ``nodePort``s are reserved (422 when taken or outside the range); missing ones are
allocated from ``service-node-port-range`` (30000-32767), or carried over from the stored
Service on update. Ports of deleted Services and of writes that did not happen are freed.
"""

from __future__ import annotations

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

__all__ = ["ServiceNodePorts", "node_ports"]

_WITH_NODE_PORTS = ("NodePort", "LoadBalancer")


def node_ports(service: dict[str, Any] | None) -> set[str]:
    spec = (service or {}).get("spec") or {}
    return {str(p["nodePort"]) for p in spec.get("ports") or [] if p.get("nodePort")}


def _invalid(name: str, index: int, port: int, detail: str) -> AdmissionDenied:
    error = field.invalid(f"spec.ports[{index}].nodePort", port, detail)
    return denial("Service", "", name, [error])


class ServiceNodePorts(ServiceAllocations):
    name = "ServiceNodePorts"

    held = staticmethod(node_ports)

    def __init__(self) -> None:
        super().__init__()
        self._range = (30000, 32767)

    def bind_host(self, host: AdmissionHost) -> None:
        low, high = host.options.node_port_range
        self._range = (low, high)
        size = high - low + 1
        band = min(max(16, size // 16), 128)
        self._allocator = RangeAllocator(
            host.storage,
            "servicenodeports",
            lambda index: str(low + index),
            size,
            dynamic_from=band,
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
        spec = request.object.get("spec") or {}
        if spec.get("type") not in _WITH_NODE_PORTS:
            return
        old_ports = {
            (p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
            for p in ((request.old_object or {}).get("spec") or {}).get("ports") or []
        }
        held = node_ports(request.old_object)
        owner = allocation_owner(request)
        low, high = self._range
        for index, port in enumerate(spec.get("ports") or []):
            wanted = port.get("nodePort")
            if not wanted:
                carried = old_ports.get((port.get("port"), port.get("protocol", "TCP")))
                if carried:
                    port["nodePort"] = carried
                    continue
                allocated = await self._allocator.allocate(owner, dry_run=request.dry_run)
                if allocated is None:
                    raise _invalid(
                        request.name, index, 0, "failed to allocate a nodePort: range is full"
                    )
                port["nodePort"] = int(allocated)
                continue
            if str(wanted) in held:
                continue
            if not low <= wanted <= high:
                raise _invalid(
                    request.name,
                    index,
                    wanted,
                    f"provided port is not in the valid range. The range of valid ports is "
                    f"{low}-{high}",
                )
            if not await self._allocator.reserve(str(wanted), owner, dry_run=request.dry_run):
                raise _invalid(request.name, index, wanted, "provided port is already allocated")
