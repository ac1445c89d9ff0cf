"""The EndpointSlices a Service should have, and the writes that get there from the slices
it has (pure functions; the controller performs the plan).

As upstream's reconciler: endpoints are grouped by address type and by the ports they
resolve to (a named target port may be a different number on different pods); each group
fills slices of at most ``max_per_slice`` endpoints; existing slices are kept where they
still fit (their stale endpoints replaced, new endpoints filling their room) so that one pod
change rewrites one slice; emptied slices are deleted; a Service without any endpoint keeps
one empty placeholder slice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from microkube_controllers.lifecycle.endpoints import pods as podutil

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
HEADLESS_LABEL = "service.kubernetes.io/headless"
ZONE_LABEL = "topology.kubernetes.io/zone"
MAX_ENDPOINTS_PER_SLICE = 100

Obj = Mapping[str, Any]


def address_type(ip: str) -> str:
    return "IPv6" if ":" in ip else "IPv4"


def service_address_types(service: Obj) -> list[str]:
    families = (service.get("spec") or {}).get("ipFamilies") or ["IPv4"]
    return [family for family in families if family in ("IPv4", "IPv6")] or ["IPv4"]


def slice_labels(service: Obj) -> dict[str, str]:
    """The Service's labels plus the ones marking the slice as this controller's."""
    meta = service.get("metadata") or {}
    labels = {
        key: value
        for key, value in (meta.get("labels") or {}).items()
        if key not in (SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL)
    }
    labels[SERVICE_NAME_LABEL] = meta.get("name", "")
    labels[MANAGED_BY_LABEL] = CONTROLLER_NAME
    if (service.get("spec") or {}).get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    return labels


def endpoint_id(endpoint: Obj) -> str:
    ref = endpoint.get("targetRef") or {}
    return ref.get("uid") or (endpoint.get("addresses") or [""])[0]


def ports_key(ports: Sequence[Obj] | None) -> str:
    return json.dumps(
        sorted((ports or []), key=lambda p: (p.get("name") or "", p.get("protocol") or "")),
        sort_keys=True,
    )


@attrs.frozen
class Group:
    """Endpoints of one address type that share their resolved ports."""

    address_type: str
    ports: tuple[dict[str, Any], ...]
    endpoints: tuple[dict[str, Any], ...]

    @property
    def key(self) -> tuple[str, str]:
        return self.address_type, ports_key(self.ports)


def desired_groups(service: Obj, pods: Sequence[Obj], nodes: Mapping[str, Obj]) -> list[Group]:
    """The endpoints the Service's selected pods make, grouped by address type and ports."""
    families = service_address_types(service)
    service_ports = (service.get("spec") or {}).get("ports") or []
    groups: dict[tuple[str, str], tuple[list[dict], list[dict]]] = {}
    for pod in sorted(pods, key=lambda p: (p.get("metadata") or {}).get("name", "")):
        if not podutil.should_be_in_endpoints(pod, include_terminating=True):
            continue
        ports = []
        for service_port in service_ports:
            number = podutil.find_port(pod, service_port)
            if number is None:
                continue  # the pod lacks that named port: that port is not served by it
            port: dict[str, Any] = {
                "name": service_port.get("name") or "",
                "port": number,
                "protocol": service_port.get("protocol") or "TCP",
            }
            if service_port.get("appProtocol"):
                port["appProtocol"] = service_port["appProtocol"]
            ports.append(port)
        for family in families:
            ips = [ip for ip in podutil.pod_ips(pod) if address_type(ip) == family]
            if not ips:
                continue
            endpoint = _endpoint(service, pod, ips[0], nodes)
            bucket = groups.setdefault((family, ports_key(ports)), (ports, []))
            bucket[1].append(endpoint)
    return [
        Group(family, tuple(ports), tuple(endpoints))
        for (family, _), (ports, endpoints) in sorted(groups.items())
    ]


def _endpoint(service: Obj, pod: Obj, ip: str, nodes: Mapping[str, Obj]) -> dict[str, Any]:
    endpoint: dict[str, Any] = {
        "addresses": [ip],
        "conditions": podutil.conditions(service, pod),
        "targetRef": podutil.target_ref(pod),
    }
    hostname = podutil.hostname(service, pod)
    if hostname:
        endpoint["hostname"] = hostname
    node_name = (pod.get("spec") or {}).get("nodeName")
    if node_name:
        endpoint["nodeName"] = node_name
        zone = (
            ((nodes.get(node_name) or {}).get("metadata") or {}).get("labels", {}).get(ZONE_LABEL)
        )
        if zone:
            endpoint["zone"] = zone
    return endpoint


@attrs.define
class Plan:
    create: list[dict[str, Any]] = attrs.Factory(list)
    update: list[dict[str, Any]] = attrs.Factory(list)
    delete: list[dict[str, Any]] = attrs.Factory(list)

    @property
    def empty(self) -> bool:
        return not (self.create or self.update or self.delete)


def new_slice(service: Obj, address: str, ports: Sequence[Obj] | None) -> dict[str, Any]:
    meta = service.get("metadata") or {}
    body: dict[str, Any] = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "generateName": f"{meta.get('name', '')}-",
            "namespace": meta.get("namespace"),
            "labels": slice_labels(service),
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "name": meta.get("name"),
                    "uid": meta.get("uid"),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "addressType": address,
        "endpoints": [],
    }
    if ports is not None:
        body["ports"] = [dict(p) for p in ports]
    return body


def plan(
    service: Obj,
    groups: Sequence[Group],
    existing: Sequence[Obj],
    max_per_slice: int = MAX_ENDPOINTS_PER_SLICE,
) -> Plan:
    """The creates, updates and deletes turning ``existing`` into the ``groups``."""
    result = Plan()
    labels = slice_labels(service)
    matched: set[int] = set()
    for group in groups:
        wanted = {endpoint_id(e): e for e in group.endpoints}
        placed: set[str] = set()
        kept: list[dict[str, Any]] = []
        for index, current in enumerate(existing):
            if (
                index in matched
                or (current.get("addressType"), ports_key(current.get("ports"))) != group.key
            ):
                continue
            matched.add(index)
            endpoints = []
            for endpoint in current.get("endpoints") or ():
                ident = endpoint_id(endpoint)
                if ident in wanted and ident not in placed:
                    endpoints.append(wanted[ident])
                    placed.add(ident)
            if not endpoints:
                result.delete.append(dict(current))
                continue
            kept.append({**current, "endpoints": endpoints})
        remaining = [e for ident, e in wanted.items() if ident not in placed]
        for candidate in kept:
            room = max_per_slice - len(candidate["endpoints"])
            if room > 0 and remaining:
                candidate["endpoints"] = candidate["endpoints"] + remaining[:room]
                remaining = remaining[room:]
        for candidate in kept:
            original = next(
                s for s in existing if s["metadata"]["uid"] == candidate["metadata"]["uid"]
            )
            if candidate["endpoints"] != (original.get("endpoints") or []) or (
                (original.get("metadata") or {}).get("labels") != labels
            ):
                meta = dict(candidate["metadata"])
                meta["labels"] = labels
                result.update.append({**candidate, "metadata": meta})
        while remaining:
            body = new_slice(service, group.address_type, group.ports)
            body["endpoints"] = remaining[:max_per_slice]
            remaining = remaining[max_per_slice:]
            result.create.append(body)
    leftovers = [dict(s) for i, s in enumerate(existing) if i not in matched]
    if not groups:
        # no endpoints at all: one empty placeholder slice stays (or is made)
        placeholder = next((s for s in leftovers if not s.get("endpoints")), None)
        if placeholder is None:
            result.create.append(new_slice(service, service_address_types(service)[0], None))
        else:
            leftovers.remove(placeholder)
            if (placeholder.get("metadata") or {}).get("labels") != labels:
                meta = {**placeholder["metadata"], "labels": labels}
                result.update.append({**placeholder, "metadata": meta})
    result.delete.extend(leftovers)
    return result
