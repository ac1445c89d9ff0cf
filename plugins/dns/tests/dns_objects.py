"""Services and EndpointSlices as the API server serves them, for the DNS tests."""

from __future__ import annotations

from typing import Any

from microkube_dns.cluster_view import SERVICE_INDEX, ClusterView, service_index

from microkube.client.store import Store


def service(name: str, namespace: str = "default", **spec: Any) -> dict[str, Any]:
    spec.setdefault("ports", [{"name": "http", "port": 80, "protocol": "TCP"}])
    return {"metadata": {"name": name, "namespace": namespace}, "spec": spec}


def endpoint_slice(
    service_name: str,
    endpoints: list[dict[str, Any]],
    ports: list[dict[str, Any]] | None = None,
    namespace: str = "default",
    name: str | None = None,
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name or f"{service_name}-abc",
            "namespace": namespace,
            "labels": {"kubernetes.io/service-name": service_name},
        },
        "addressType": "IPv4",
        "endpoints": endpoints,
        "ports": ports
        if ports is not None
        else [{"name": "http", "port": 8080, "protocol": "TCP"}],
    }


def ready(ip: str, hostname: str | None = None, is_ready: bool = True) -> dict[str, Any]:
    endpoint: dict[str, Any] = {"addresses": [ip], "conditions": {"ready": is_ready}}
    if hostname:
        endpoint["hostname"] = hostname
    return endpoint


def view(*objects: dict[str, Any]) -> ClusterView:
    services, slices = Store(), Store({SERVICE_INDEX: service_index})
    for obj in objects:
        (slices if "endpoints" in obj else services).add(obj)
    return ClusterView(services, slices)


def sample_view() -> ClusterView:
    """web (ClusterIP), db (headless, two ready endpoints and one not ready), ext
    (ExternalName outside the zone), alias (ExternalName to web), none (no ports)."""
    return view(
        service("web", clusterIP="10.96.0.20", clusterIPs=["10.96.0.20"]),
        service(
            "db",
            clusterIP="None",
            ports=[{"name": "pg", "port": 5432, "protocol": "TCP"}],
        ),
        endpoint_slice(
            "db",
            [ready("10.244.1.5", "db-0"), ready("10.244.2.6"), ready("10.244.3.7", None, False)],
            ports=[{"name": "pg", "port": 5432, "protocol": "TCP"}],
        ),
        service("ext", type="ExternalName", externalName="example.org", ports=[]),
        service("alias", type="ExternalName", externalName="web.default.svc.cluster.local"),
        service("none", clusterIP="10.96.0.30", ports=[]),
        service("empty", clusterIP="None"),
    )
