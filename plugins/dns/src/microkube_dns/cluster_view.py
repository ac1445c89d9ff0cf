"""The Services and EndpointSlices the server answers from: informer stores, read per query.

An EndpointSlice belongs to the Service its ``kubernetes.io/service-name`` label names; the
stores are indexed by that, so a lookup touches one Service and its slices only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from microkube.client.store import Store

__all__ = ["SERVICE_INDEX", "ClusterView", "Endpoint", "dashed_ip", "service_index"]

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
SERVICE_INDEX = "service"


def service_index(obj: Mapping[str, Any]) -> list[str]:
    """Index function: ``<namespace>/<service>`` of an EndpointSlice."""
    metadata = obj.get("metadata") or {}
    name = (metadata.get("labels") or {}).get(SERVICE_NAME_LABEL)
    return [f"{metadata.get('namespace', '')}/{name}"] if name else []


@attrs.frozen
class Endpoint:
    """One ready address behind a Service, with one of its ports."""

    ip: str
    hostname: str | None
    port: int
    port_name: str
    protocol: str


@attrs.define
class ClusterView:
    services: Store
    slices: Store

    def service(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        return self.services.get_by(name, namespace)

    def endpoints(self, namespace: str, name: str) -> Iterator[Endpoint]:
        """The ready endpoints of a Service (a terminating or not-ready one is left out, as
        CoreDNS leaves out not-ready addresses), each once per port."""
        seen: set[Endpoint] = set()
        for endpoint_slice in self.slices.by_index(SERVICE_INDEX, f"{namespace}/{name}"):
            if endpoint_slice.get("addressType") not in ("IPv4", "IPv6"):
                continue
            ports = endpoint_slice.get("ports") or ()
            for endpoint in endpoint_slice.get("endpoints") or ():
                if (endpoint.get("conditions") or {}).get("ready") is False:
                    continue
                for ip in (endpoint.get("addresses") or ())[:1]:
                    for port in ports:
                        item = Endpoint(
                            ip=ip,
                            hostname=endpoint.get("hostname"),
                            port=int(port.get("port") or 0),
                            port_name=port.get("name") or "",
                            protocol=port.get("protocol") or "TCP",
                        )
                        if item not in seen:
                            seen.add(item)
                            yield item

    def names_of(self, ip: str) -> list[tuple[str, str, str | None]]:
        """``(namespace, service, endpoint label or None)`` for every Service whose ClusterIP
        is ``ip`` and every ready endpoint at ``ip`` of a headless one (for PTR answers)."""
        found: list[tuple[str, str, str | None]] = []
        for service in self.services.list():
            metadata, spec = service.get("metadata") or {}, service.get("spec") or {}
            namespace, name = metadata.get("namespace", ""), metadata.get("name", "")
            if ip in (spec.get("clusterIPs") or [spec.get("clusterIP")]):
                found.append((namespace, name, None))
            elif spec.get("clusterIP") == "None":
                labels = {
                    e.hostname or dashed_ip(e.ip)
                    for e in self.endpoints(namespace, name)
                    if e.ip == ip
                }
                found += [(namespace, name, label) for label in sorted(labels)]
        return found


def dashed_ip(ip: str) -> str:
    """The label CoreDNS names an endpoint without hostname by: ``10-244-1-5``."""
    return ip.replace(".", "-").replace(":", "-")
