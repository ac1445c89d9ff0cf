"""core/v1 Node: spec (pod CIDRs, taints), status (capacity, conditions, addresses, info)."""

from __future__ import annotations

from typing import Any

from microkube.api._base import field, model
from microkube.api.core_v1_scheduling import Taint
from microkube.api.meta_v1 import ListMeta, ObjectMeta, Time
from microkube.api.quantity import Quantity

GROUP_VERSION = "v1"


@model
class NodeSpec:
    pod_cidr: str | None = field(json="podCIDR")
    pod_cidrs: list[str] | None = field(json="podCIDRs")
    provider_id: str | None = field(json="providerID")
    unschedulable: bool | None = field()
    taints: list[Taint] | None = field()
    config_source: dict[str, Any] | None = field()  # deprecated dynamic kubelet config, raw
    external_id: str | None = field(json="externalID")  # deprecated


@model
class NodeCondition:
    type: str | None = field()  # Ready, MemoryPressure, DiskPressure, PIDPressure, ...
    status: str | None = field()
    last_heartbeat_time: Time | None = field()
    last_transition_time: Time | None = field()
    reason: str | None = field()
    message: str | None = field()


@model
class NodeAddress:
    type: str | None = field()  # Hostname, InternalIP, ExternalIP, InternalDNS, ExternalDNS
    address: str | None = field()


@model
class DaemonEndpoint:
    port: int | None = field(json="Port")  # capitalised on the wire, as in Kubernetes


@model
class NodeDaemonEndpoints:
    kubelet_endpoint: DaemonEndpoint | None = field()


@model
class NodeSystemInfo:
    machine_id: str | None = field(json="machineID")
    system_uuid: str | None = field(json="systemUUID")
    boot_id: str | None = field(json="bootID")
    kernel_version: str | None = field()
    os_image: str | None = field()
    container_runtime_version: str | None = field()
    kubelet_version: str | None = field()
    kube_proxy_version: str | None = field()
    operating_system: str | None = field()
    architecture: str | None = field()


@model
class ContainerImage:
    names: list[str] | None = field()
    size_bytes: int | None = field()


@model
class AttachedVolume:
    name: str | None = field()
    device_path: str | None = field()


@model
class NodeRuntimeHandlerFeatures:
    recursive_read_only_mounts: bool | None = field()
    user_namespaces: bool | None = field()


@model
class NodeRuntimeHandler:
    name: str | None = field()
    features: NodeRuntimeHandlerFeatures | None = field()


@model
class NodeFeatures:
    supplemental_groups_policy: bool | None = field()


@model
class NodeStatus:
    capacity: dict[str, Quantity] | None = field()
    allocatable: dict[str, Quantity] | None = field()
    phase: str | None = field()  # deprecated
    conditions: list[NodeCondition] | None = field()
    addresses: list[NodeAddress] | None = field()
    daemon_endpoints: NodeDaemonEndpoints | None = field()
    node_info: NodeSystemInfo | None = field()
    images: list[ContainerImage] | None = field()
    volumes_in_use: list[str] | None = field()
    volumes_attached: list[AttachedVolume] | None = field()
    config: dict[str, Any] | None = field()  # deprecated dynamic kubelet config status, raw
    runtime_handlers: list[NodeRuntimeHandler] | None = field()
    features: NodeFeatures | None = field()


@model
class Node:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Node")
    metadata: ObjectMeta | None = field()
    spec: NodeSpec | None = field()
    status: NodeStatus | None = field()


@model
class NodeList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="NodeList")
    metadata: ListMeta | None = field()
    items: list[Node] | None = field()
