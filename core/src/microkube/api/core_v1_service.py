"""core/v1 Service (every type) and Endpoints."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.core_v1_common import ObjectReference
from microkube.api.intstr import IntOrString
from microkube.api.meta_v1 import Condition, ListMeta, ObjectMeta

GROUP_VERSION = "v1"

# --- Service ----------------------------------------------------------------------------------


@model
class ServicePort:
    name: str | None = field()
    protocol: str | None = field()  # TCP (default), UDP, SCTP
    app_protocol: str | None = field()
    port: int | None = field()
    target_port: IntOrString | None = field()  # a number or a named container port
    node_port: int | None = field()


@model
class ClientIPConfig:
    timeout_seconds: int | None = field()


@model
class SessionAffinityConfig:
    client_ip: ClientIPConfig | None = field(json="clientIP")


@model
class ServiceSpec:
    ports: list[ServicePort] | None = field()
    selector: dict[str, str] | None = field()
    cluster_ip: str | None = field(json="clusterIP")  # "None" makes a headless Service
    cluster_ips: list[str] | None = field(json="clusterIPs")
    type: str | None = field()  # ClusterIP, NodePort, LoadBalancer, ExternalName
    external_ips: list[str] | None = field(json="externalIPs")
    session_affinity: str | None = field()  # None, ClientIP
    load_balancer_ip: str | None = field(json="loadBalancerIP")
    load_balancer_source_ranges: list[str] | None = field()
    external_name: str | None = field()
    external_traffic_policy: str | None = field()  # Cluster, Local
    health_check_node_port: int | None = field()
    publish_not_ready_addresses: bool | None = field()
    session_affinity_config: SessionAffinityConfig | None = field()
    ip_families: list[str] | None = field()  # IPv4, IPv6
    ip_family_policy: str | None = field()  # SingleStack, PreferDualStack, RequireDualStack
    allocate_load_balancer_node_ports: bool | None = field()
    load_balancer_class: str | None = field()
    internal_traffic_policy: str | None = field()
    traffic_distribution: str | None = field()


@model
class PortStatus:
    port: int | None = field()
    protocol: str | None = field()
    error: str | None = field()


@model
class LoadBalancerIngress:
    ip: str | None = field()
    hostname: str | None = field()
    ip_mode: str | None = field()  # VIP, Proxy
    ports: list[PortStatus] | None = field()


@model
class LoadBalancerStatus:
    ingress: list[LoadBalancerIngress] | None = field()


@model
class ServiceStatus:
    load_balancer: LoadBalancerStatus | None = field()
    conditions: list[Condition] | None = field()


@model
class Service:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Service")
    metadata: ObjectMeta | None = field()
    spec: ServiceSpec | None = field()
    status: ServiceStatus | None = field()


@model
class ServiceList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ServiceList")
    metadata: ListMeta | None = field()
    items: list[Service] | None = field()


# --- Endpoints --------------------------------------------------------------------------------


@model
class EndpointAddress:
    ip: str | None = field()
    hostname: str | None = field()
    node_name: str | None = field()
    target_ref: ObjectReference | None = field()


@model
class EndpointPort:
    name: str | None = field()
    port: int | None = field()
    protocol: str | None = field()
    app_protocol: str | None = field()


@model
class EndpointSubset:
    addresses: list[EndpointAddress] | None = field()
    not_ready_addresses: list[EndpointAddress] | None = field()
    ports: list[EndpointPort] | None = field()


@model
class Endpoints:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Endpoints")
    metadata: ObjectMeta | None = field()
    subsets: list[EndpointSubset] | None = field()


@model
class EndpointsList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="EndpointsList")
    metadata: ListMeta | None = field()
    items: list[Endpoints] | None = field()
