"""The core/v1 Endpoints object of a Service (for clients older than EndpointSlices), as
upstream's endpoints controller builds it: ready pods under ``addresses``, the others under
``notReadyAddresses`` (all under ``addresses`` when the Service publishes not-ready
addresses), addresses that serve the same resolved ports packed into one subset, at most
1000 addresses (the rest dropped, with the ``over-capacity`` annotation).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from typing import Any

from microkube_controllers.common.pods import is_pod_ready
from microkube_controllers.lifecycle.endpoints import pods as podutil
from microkube_controllers.lifecycle.endpoints.slices import (
    HEADLESS_LABEL,
    address_type,
    service_address_types,
)

MAX_CAPACITY = 1000
MANAGED_BY_LABEL = "endpoints.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpoint-controller"
OVER_CAPACITY_ANNOTATION = "endpoints.kubernetes.io/over-capacity"

Obj = Mapping[str, Any]


def endpoints_labels(service: Obj) -> dict[str, str]:
    """The Service's labels, the headless marker, and this controller's managed-by label."""
    labels = dict((service.get("metadata") or {}).get("labels") or {})
    labels.pop(HEADLESS_LABEL, None)
    labels[MANAGED_BY_LABEL] = CONTROLLER_NAME
    if (service.get("spec") or {}).get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    return labels


def _ip_order(address: Obj) -> tuple[Any, ...]:
    try:
        ip = ipaddress.ip_address(address.get("ip", ""))
        return (ip.version, int(ip), (address.get("targetRef") or {}).get("uid", ""))
    except ValueError:
        return (9, 0, address.get("ip", ""))


def desired_subsets(service: Obj, pods: Sequence[Obj]) -> tuple[list[dict[str, Any]], bool]:
    """The subsets (and whether addresses had to be dropped for capacity)."""
    spec = service.get("spec") or {}
    tolerate = podutil.publishes_not_ready(service)
    family = service_address_types(service)[0]
    service_ports = spec.get("ports") or []
    headless = spec.get("clusterIP") == "None"
    packed: dict[str, tuple[list[dict], list[dict], list[dict]]] = {}
    for pod in pods:
        if not podutil.should_be_in_endpoints(pod, include_terminating=tolerate):
            continue
        ips = [ip for ip in podutil.pod_ips(pod) if address_type(ip) == family]
        if not ips:
            continue
        address: dict[str, Any] = {"ip": ips[0]}
        hostname = podutil.hostname(service, pod)
        if hostname:
            address["hostname"] = hostname
        node_name = (pod.get("spec") or {}).get("nodeName")
        if node_name:
            address["nodeName"] = node_name
        address["targetRef"] = podutil.target_ref(pod)
        ports: list[dict[str, Any]] = []
        for service_port in service_ports:
            number = podutil.find_port(pod, service_port)
            if number is None:
                continue
            port: dict[str, Any] = {
                "port": number,
                "protocol": service_port.get("protocol") or "TCP",
            }
            if service_port.get("name"):
                port["name"] = service_port["name"]
            if service_port.get("appProtocol"):
                port["appProtocol"] = service_port["appProtocol"]
            ports.append(port)
        if not ports and not (headless and not service_ports):
            continue
        key = json.dumps(
            sorted(ports, key=lambda p: (p.get("name", ""), p["port"])), sort_keys=True
        )
        bucket = packed.setdefault(key, (ports, [], []))
        ready = tolerate or is_pod_ready(pod)
        (bucket[1] if ready else bucket[2]).append(address)
    subsets: list[dict[str, Any]] = []
    budget = MAX_CAPACITY
    truncated = False
    for key in sorted(packed):
        ports, ready, not_ready = packed[key]
        subset: dict[str, Any] = {}
        ready, not_ready = sorted(ready, key=_ip_order), sorted(not_ready, key=_ip_order)
        if len(ready) + len(not_ready) > budget:
            truncated = True
            ready = ready[:budget]
            not_ready = not_ready[: max(budget - len(ready), 0)]
        budget -= len(ready) + len(not_ready)
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        if ports:
            subset["ports"] = ports
        if ready or not_ready:
            subsets.append(subset)
    return subsets, truncated
