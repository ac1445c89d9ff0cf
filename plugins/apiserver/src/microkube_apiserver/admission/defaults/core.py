"""core/v1 defaults other than pods: Service, Namespace, Secret, Endpoints, volumes."""

from __future__ import annotations

from typing import Any

__all__ = [
    "default_endpoint_slice",
    "default_endpoints",
    "default_namespace",
    "default_persistent_volume",
    "default_persistent_volume_claim",
    "default_secret",
    "default_service",
]

METADATA_NAME_LABEL = "kubernetes.io/metadata.name"


def default_service(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["type"] == "ExternalName":
        return
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    spec.setdefault("ipFamilies", ["IPv4"])
    spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if spec["type"] == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    if spec.get("sessionAffinity") == "ClientIP":
        config = spec.setdefault("sessionAffinityConfig", {}).setdefault("clientIP", {})
        config.setdefault("timeoutSeconds", 10800)


def default_namespace(obj: dict[str, Any]) -> None:
    """Namespaces carry their name as a label (``kubernetes.io/metadata.name``)."""
    metadata = obj.setdefault("metadata", {})
    name = metadata.get("name")
    if name:
        metadata.setdefault("labels", {})[METADATA_NAME_LABEL] = name


def default_secret(obj: dict[str, Any]) -> None:
    obj.setdefault("type", "Opaque")


def default_endpoints(obj: dict[str, Any]) -> None:
    for subset in obj.get("subsets") or []:
        for port in subset.get("ports") or []:
            port.setdefault("protocol", "TCP")


def default_endpoint_slice(obj: dict[str, Any]) -> None:
    for port in obj.get("ports") or []:
        port.setdefault("protocol", "TCP")


def default_persistent_volume(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
    spec.setdefault("volumeMode", "Filesystem")


def default_persistent_volume_claim(obj: dict[str, Any]) -> None:
    obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
