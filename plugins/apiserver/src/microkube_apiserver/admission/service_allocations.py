"""What the Service allocators (ClusterIPs, NodePorts) share: who owns an allocation, and
freeing what a write that did not happen, or an update/deletion that did, leaves unused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from microkube.contracts.admission import AdmissionRequest, Operation
from microkube_apiserver.admission.allocator import RangeAllocator


def is_service(request: AdmissionRequest) -> bool:
    return request.resource.group == "" and request.resource.resource == "services"


def allocation_owner(request: AdmissionRequest) -> tuple[str, str, str]:
    """The (namespace, name, uid) an allocation is recorded under."""
    uid = ((request.object or {}).get("metadata") or {}).get("uid", "")
    return (request.namespace, request.name, uid)


def _uid(service: dict[str, Any] | None) -> str:
    return ((service or {}).get("metadata") or {}).get("uid", "")


class ServiceAllocations:
    """Base of an allocating Service admission plugin. ``held`` names the values a stored
    Service holds (its cluster IPs, its node ports); ``bind_host`` sets ``_allocator``."""

    held: ClassVar[Callable[[dict[str, Any] | None], set[str]]]

    def __init__(self) -> None:
        self._allocator: RangeAllocator | None = None

    async def release(self, request: AdmissionRequest) -> None:
        """The write did not happen: free what this request allocated."""
        if self._allocator is None or request.dry_run or not is_service(request):
            return
        if request.operation is Operation.DELETE:
            return
        held = type(self).held
        for value in held(request.object) - held(request.old_object):
            await self._allocator.free(value, _uid(request.object or request.old_object))

    async def committed(self, request: AdmissionRequest) -> None:
        """A stored update or deletion: free what the old Service held and the new does not."""
        if self._allocator is None or request.dry_run or not is_service(request):
            return
        held = type(self).held
        for value in held(request.old_object) - held(request.object):
            await self._allocator.free(value, _uid(request.object or request.old_object))
