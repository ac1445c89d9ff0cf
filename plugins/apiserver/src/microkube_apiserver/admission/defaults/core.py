"""core/v1 defaults other than pods: Service, Namespace, Secret, Endpoints, volumes."""

from __future__ import annotations

import base64
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
    """``type`` Opaque, and write-only ``stringData`` merged into ``data`` (its values win),
    as Kubernetes' v1 → internal conversion does: ``stringData`` is never stored."""
    obj.setdefault("type", "Opaque")
    string_data = obj.get("stringData")
    if not isinstance(string_data, dict) or not all(
        isinstance(v, str) for v in string_data.values()
    ):
        return  # malformed: left for validation to refuse
    data = obj.get("data")
    if data is not None and not isinstance(data, dict):
        return
    merged = dict(data or {})
    for key, value in string_data.items():
        merged[key] = base64.b64encode(value.encode()).decode("ascii")
    if merged:
        obj["data"] = merged
    del obj["stringData"]


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
