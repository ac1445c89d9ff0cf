"""Services and EndpointSlices (plain API objects) flattened into the proxy contract's
:class:`~microkube.contracts.proxy.ServiceState`: one entry per service port.

As kube-proxy's service and endpoints change trackers: headless and ExternalName Services
program nothing; NodePorts exist for NodePort/LoadBalancer Services, load-balancer IPs for
LoadBalancer ones; an endpoint's port comes from the slice port of the same name and
protocol; missing conditions mean ready (``serving`` defaults to ``ready``, ``terminating``
to false). Endpoints are sorted, so equal inputs give equal states.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from microkube.contracts.proxy import (
    Endpoint,
    ServicePortInfo,
    ServicePortName,
    ServiceState,
)

__all__ = ["DEFAULT_AFFINITY_SECONDS", "SERVICE_NAME_LABEL", "flatten_service"]

Obj = Mapping[str, Any]

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
#: sessionAffinityConfig.clientIP.timeoutSeconds when unset (3 hours, as upstream).
DEFAULT_AFFINITY_SECONDS = 10800


def _cluster_ips(spec: Obj) -> tuple[str, ...]:
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return tuple(ip for ip in ips if ip and ip != "None")


def _affinity_seconds(spec: Obj) -> int:
    if spec.get("sessionAffinity") != "ClientIP":
        return 0
    config = ((spec.get("sessionAffinityConfig") or {}).get("clientIP")) or {}
    return int(config.get("timeoutSeconds") or DEFAULT_AFFINITY_SECONDS)


def _endpoints(slices: Iterable[Obj], port_name: str, protocol: str) -> tuple[Endpoint, ...]:
    found: dict[tuple[str, int], Endpoint] = {}
    for eps in slices:
        if eps.get("addressType", "IPv4") not in ("IPv4", "IPv6"):
            continue
        ports = [
            p
            for p in eps.get("ports") or ()
            if (p.get("name") or "") == port_name
            and (p.get("protocol") or "TCP") == protocol
            and p.get("port")
        ]
        if not ports:
            continue
        port = int(ports[0]["port"])
        for endpoint in eps.get("endpoints") or ():
            conditions = endpoint.get("conditions") or {}
            ready = conditions.get("ready")
            ready = True if ready is None else bool(ready)
            serving = conditions.get("serving")
            serving = ready if serving is None else bool(serving)
            for address in (endpoint.get("addresses") or ())[:1]:
                found.setdefault(
                    (address, port),
                    Endpoint(
                        ip=address,
                        port=port,
                        ready=ready,
                        serving=serving,
                        terminating=bool(conditions.get("terminating")),
                        node_name=endpoint.get("nodeName") or "",
                        zone=endpoint.get("zone") or "",
                    ),
                )
    return tuple(found[key] for key in sorted(found))


def flatten_service(service: Obj, slices: Iterable[Obj]) -> dict[ServicePortName, ServiceState]:
    """Every service port of ``service`` with its endpoints from ``slices`` (the Service's
    EndpointSlices); empty for headless and ExternalName Services."""
    spec = service.get("spec") or {}
    meta = service.get("metadata") or {}
    kind = spec.get("type") or "ClusterIP"
    cluster_ips = _cluster_ips(spec)
    if kind == "ExternalName" or not cluster_ips:
        return {}
    slices = list(slices)
    external = spec.get("externalTrafficPolicy") == "Local" and kind in (
        "NodePort",
        "LoadBalancer",
    )
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()
    lb_ips = tuple(i["ip"] for i in ingress if i.get("ip")) if kind == "LoadBalancer" else ()
    result: dict[ServicePortName, ServiceState] = {}
    for port in spec.get("ports") or ():
        name = port.get("name") or ""
        protocol = port.get("protocol") or "TCP"
        info = ServicePortInfo(
            cluster_ips=cluster_ips,
            port=int(port["port"]),
            protocol=protocol,
            node_port=int(port.get("nodePort") or 0) if kind in ("NodePort", "LoadBalancer") else 0,
            external_ips=tuple(spec.get("externalIPs") or ()),
            load_balancer_ips=lb_ips,
            load_balancer_source_ranges=tuple(spec.get("loadBalancerSourceRanges") or ())
            if lb_ips
            else (),
            session_affinity_seconds=_affinity_seconds(spec),
            internal_traffic_local=spec.get("internalTrafficPolicy") == "Local",
            external_traffic_local=external,
            # Upstream allocates (and serves) it only for externalTrafficPolicy Local.
            health_check_node_port=int(spec.get("healthCheckNodePort") or 0) if external else 0,
        )
        key = ServicePortName(meta.get("namespace") or "default", meta.get("name") or "", name)
        result[key] = ServiceState(info=info, endpoints=_endpoints(slices, name, protocol))
    return result
