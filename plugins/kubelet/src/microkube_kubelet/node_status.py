"""The Node object a kubelet registers and the status it reports (pure functions).

Condition types, reasons and messages are upstream's (``pkg/kubelet/nodestatus``). Heartbeat
times are left out of :func:`significant` so an unchanged status is not posted again before
``node-status-report-frequency``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from microkube.contracts.runtime import Image, RuntimeVersion
from microkube_kubelet.host import HostInfo, Pressure
from microkube_kubelet.options import KubeletOptions
from microkube_kubelet.timeutil import rfc3339

__all__ = [
    "KUBELET_VERSION",
    "NodeHealth",
    "node_conditions",
    "node_object",
    "node_status",
    "significant",
]

KUBELET_VERSION = "v1.32.0-microkube"
_EVICTION_MEMORY = 100 * 1024 * 1024


class NodeHealth:
    """What the Ready condition says: the runtime answered, or why not."""

    def __init__(self, ready: bool, message: str = "") -> None:
        self.ready = ready
        self.message = message


def _labels(host: HostInfo, options: KubeletOptions) -> dict[str, str]:
    return {
        "kubernetes.io/hostname": options.node_name,
        "kubernetes.io/os": host.operating_system,
        "kubernetes.io/arch": host.architecture,
        "beta.kubernetes.io/os": host.operating_system,
        "beta.kubernetes.io/arch": host.architecture,
        **options.node_labels,
    }


def node_object(host: HostInfo, options: KubeletOptions) -> dict[str, Any]:
    """The Node to create on registration (taints only at creation, as upstream)."""
    spec: dict[str, Any] = {}
    if options.taints:
        spec["taints"] = options.taints
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": options.node_name,
            "labels": _labels(host, options),
            "annotations": {"volumes.kubernetes.io/controller-managed-attach-detach": "true"},
        },
        "spec": spec,
    }


def default_labels(host: HostInfo, options: KubeletOptions) -> dict[str, str]:
    """Labels re-applied when the Node already exists (upstream ``updateDefaultLabels``)."""
    return _labels(host, options)


def _kib(value: int) -> str:
    return f"{value // 1024}Ki"


def _resources(host: HostInfo, options: KubeletOptions) -> tuple[dict[str, str], dict[str, str]]:
    capacity = {
        "cpu": str(host.cpus),
        "memory": _kib(host.memory_bytes),
        "ephemeral-storage": _kib(host.ephemeral_storage_bytes),
        "pods": str(options.max_pods),
    }
    allocatable = dict(capacity)
    if host.real:  # capacity minus upstream's default hard eviction thresholds
        allocatable["memory"] = _kib(max(0, host.memory_bytes - _EVICTION_MEMORY))
        allocatable["ephemeral-storage"] = str(int(host.ephemeral_storage_bytes * 0.9))
    return capacity, allocatable


_CONDITIONS = {
    # type: (reason, message) when fine, then (reason, message) under pressure
    "MemoryPressure": (
        "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available",
        "KubeletHasInsufficientMemory",
        "kubelet has insufficient memory available",
    ),
    "DiskPressure": (
        "KubeletHasNoDiskPressure",
        "kubelet has no disk pressure",
        "KubeletHasDiskPressure",
        "kubelet has disk pressure",
    ),
    "PIDPressure": (
        "KubeletHasSufficientPID",
        "kubelet has sufficient PID available",
        "KubeletHasInsufficientPID",
        "kubelet has insufficient PID available",
    ),
}


def node_conditions(
    pressure: Pressure,
    health: NodeHealth,
    previous: Sequence[Mapping[str, Any]] = (),
    now: float | None = None,
) -> list[dict[str, Any]]:
    """The four kubelet conditions; ``lastTransitionTime`` kept while the status holds."""
    stamp = rfc3339(now)
    before = {c.get("type"): c for c in previous}
    wanted: list[tuple[str, str, str, str]] = []
    for kind, bad in (
        ("MemoryPressure", pressure.memory),
        ("DiskPressure", pressure.disk),
        ("PIDPressure", pressure.pid),
    ):
        good_reason, good_message, bad_reason, bad_message = _CONDITIONS[kind]
        if bad:
            wanted.append((kind, "True", bad_reason, bad_message))
        else:
            wanted.append((kind, "False", good_reason, good_message))
    if health.ready:
        wanted.append(("Ready", "True", "KubeletReady", "kubelet is posting ready status"))
    else:
        wanted.append(("Ready", "False", "KubeletNotReady", health.message))
    conditions = []
    for kind, status, reason, message in wanted:
        old = before.get(kind) or {}
        transition = old.get("lastTransitionTime") if old.get("status") == status else None
        conditions.append(
            {
                "type": kind,
                "status": status,
                "lastHeartbeatTime": stamp,
                "lastTransitionTime": transition or stamp,
                "reason": reason,
                "message": message,
            }
        )
    return conditions


def node_status(
    host: HostInfo,
    options: KubeletOptions,
    *,
    runtime: RuntimeVersion | None,
    kubelet_port: int,
    conditions: list[dict[str, Any]],
    images: Sequence[Image] = (),
) -> dict[str, Any]:
    """The whole ``status`` the kubelet owns (``images``: the runtime's, for the
    scheduler's ImageLocality)."""
    capacity, allocatable = _resources(host, options)
    runtime_version = f"{runtime.runtime_name}://{runtime.runtime_version}" if runtime else ""
    return {
        "capacity": capacity,
        "allocatable": allocatable,
        "conditions": conditions,
        "addresses": [
            {"type": "InternalIP", "address": options.node_ip},
            {"type": "Hostname", "address": options.node_name},
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": kubelet_port}},
        "nodeInfo": {
            "machineID": host.machine_id,
            "systemUUID": host.system_uuid,
            "bootID": host.boot_id,
            "kernelVersion": host.kernel_version,
            "osImage": host.os_image,
            "containerRuntimeVersion": runtime_version,
            "kubeletVersion": KUBELET_VERSION,
            "kubeProxyVersion": KUBELET_VERSION,
            "operatingSystem": host.operating_system,
            "architecture": host.architecture,
        },
        "images": node_images(images),
    }


#: upstream's ``nodeStatusMaxImages``
MAX_IMAGES = 50


def node_images(images: Sequence[Image]) -> list[dict[str, Any]]:
    """The largest images first, at most 50, as upstream's ``setNodeStatusImages``."""
    ordered = sorted(images, key=lambda image: image.size_bytes, reverse=True)[:MAX_IMAGES]
    return [
        {
            "names": [*image.repo_digests, *image.repo_tags] or [image.id],
            "sizeBytes": image.size_bytes,
        }
        for image in ordered
    ]


def significant(status: Mapping[str, Any]) -> dict[str, Any]:
    """``status`` without heartbeat times: what decides whether it changed."""
    copied = copy.deepcopy(dict(status))
    for condition in copied.get("conditions") or ():
        condition.pop("lastHeartbeatTime", None)
    return copied
