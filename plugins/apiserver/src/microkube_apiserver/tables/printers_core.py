"""core/v1 nodes, namespaces, services, endpoints, configmaps, secrets, serviceaccounts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from microkube_apiserver.tables.duration import since
from microkube_apiserver.tables.fmt import NONE, dig, format_labels, join_host_port
from microkube_apiserver.tables.printer import AGE, NAME, Column, Printer

__all__ = [
    "CONFIG_MAP",
    "ENDPOINTS",
    "NAMESPACE",
    "NODE",
    "SECRET",
    "SERVICE",
    "SERVICE_ACCOUNT",
    "node_roles",
    "service_external_ip",
    "service_ports",
]

_ROLE_PREFIX = "node-role.kubernetes.io/"
_ROLE_LABEL = "kubernetes.io/role"


def _name_age(obj: Mapping[str, Any], now: datetime) -> tuple[str, str]:
    metadata = obj.get("metadata") or {}
    return metadata.get("name") or "", since(metadata.get("creationTimestamp"), now)


# --- nodes --------------------------------------------------------------------------------------


def node_roles(labels: Mapping[str, Any] | None) -> list[str]:
    """Roles from ``node-role.kubernetes.io/<role>`` keys and ``kubernetes.io/role=<role>``."""
    roles: set[str] = set()
    for key, value in (labels or {}).items():
        if key.startswith(_ROLE_PREFIX):
            if role := key[len(_ROLE_PREFIX) :]:
                roles.add(role)
        elif key == _ROLE_LABEL and value:
            roles.add(str(value))
    return sorted(roles)


def _node_address(node: Mapping[str, Any], kind: str) -> str:
    for address in dig(node, "status", "addresses") or []:
        if address.get("type") == kind:
            return str(address.get("address") or "")
    return NONE


def _node_row(node: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age = _name_age(node, now)
    ready = None
    for condition in dig(node, "status", "conditions") or []:
        if condition.get("type") == "Ready":
            ready = condition  # the last one wins, as in the Go map
    status = (
        ["Unknown"] if ready is None else ["Ready" if ready.get("status") == "True" else "NotReady"]
    )
    if dig(node, "spec", "unschedulable"):
        status.append("SchedulingDisabled")
    info = dig(node, "status", "nodeInfo") or {}
    return [
        name,
        ",".join(status),
        ",".join(node_roles(dig(node, "metadata", "labels"))) or NONE,
        age,
        info.get("kubeletVersion") or "",
        _node_address(node, "InternalIP"),
        _node_address(node, "ExternalIP"),
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


NODE = Printer(
    (
        NAME,
        Column("Status", description="The status of the node"),
        Column("Roles", description="The roles of the node"),
        AGE,
        Column("Version", description="Kubelet Version reported by the node."),
        Column("Internal-IP", priority=1, description="List of addresses reachable to the node."),
        Column("External-IP", priority=1, description="List of addresses reachable to the node."),
        Column(
            "OS-Image",
            priority=1,
            description="OS Image reported by the node from /etc/os-release "
            "(e.g. Debian GNU/Linux 7 (wheezy)).",
        ),
        Column(
            "Kernel-Version",
            priority=1,
            description="Kernel Version reported by the node from 'uname -r' "
            "(e.g. 3.16.0-0.bpo.4-amd64).",
        ),
        Column(
            "Container-Runtime",
            priority=1,
            description="ContainerRuntime Version reported by the node through runtime remote "
            "API (e.g. containerd://1.4.2).",
        ),
    ),
    _node_row,
)

# --- namespaces, configmaps, secrets, serviceaccounts ------------------------------------------


def _namespace_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age = _name_age(obj, now)
    return [name, dig(obj, "status", "phase") or "Active", age]  # the v1 default phase


NAMESPACE = Printer(
    (NAME, Column("Status", description="The status of the namespace"), AGE), _namespace_row
)


def _config_map_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age = _name_age(obj, now)
    return [name, len(obj.get("data") or {}) + len(obj.get("binaryData") or {}), age]


CONFIG_MAP = Printer(
    (
        NAME,
        Column(
            "Data",
            description="Data contains the configuration data. Each key must consist of "
            "alphanumeric characters, '-', '_' or '.'.",
        ),
        AGE,
    ),
    _config_map_row,
)


def _secret_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age = _name_age(obj, now)
    # v1 -> internal conversion merges write-only stringData into data.
    keys = set(obj.get("data") or {}) | set(obj.get("stringData") or {})
    return [name, obj.get("type") or "Opaque", len(keys), age]  # the v1 default type


SECRET = Printer(
    (
        NAME,
        Column("Type", description="Used to facilitate programmatic handling of secret data."),
        Column(
            "Data",
            description="Data contains the secret data. Each key must consist of alphanumeric "
            "characters, '-', '_' or '.'.",
        ),
        AGE,
    ),
    _secret_row,
)


def _service_account_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age = _name_age(obj, now)
    return [name, len(obj.get("secrets") or []), age]


SERVICE_ACCOUNT = Printer(
    (
        NAME,
        Column(
            "Secrets",
            description="Secrets is a list of the secrets in the same namespace that pods "
            "running using this ServiceAccount are allowed to use.",
        ),
        AGE,
    ),
    _service_account_row,
)

# --- services -----------------------------------------------------------------------------------


def _load_balancer_ips(service: Mapping[str, Any]) -> list[str]:
    """``loadBalancerStatusStringer`` (wide): distinct ingress IPs or hostnames, sorted."""
    found: set[str] = set()
    for ingress in dig(service, "status", "loadBalancer", "ingress") or []:
        if ingress.get("ip"):
            found.add(ingress["ip"])
        elif ingress.get("hostname"):
            found.add(ingress["hostname"])
    return sorted(found)


def service_external_ip(service: Mapping[str, Any]) -> str:
    """EXTERNAL-IP: externalIPs, the load balancer's ingress, ``<pending>``, or externalName."""
    spec = service.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    external = [str(ip) for ip in spec.get("externalIPs") or []]
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else NONE
    if kind == "LoadBalancer":
        balancers = _load_balancer_ips(service)
        if external:
            return ",".join(balancers + external)
        return ",".join(balancers) if balancers else "<pending>"
    if kind == "ExternalName":
        return spec.get("externalName") or ""
    return "<unknown>"


def service_ports(ports: list[Mapping[str, Any]] | None) -> str:
    """PORT(S): ``80/TCP``, ``80:30080/TCP`` with a node port, comma-joined; ``<none>``."""
    pieces = []
    for port in ports or []:
        protocol = port.get("protocol") or "TCP"  # the v1 default
        node_port = port.get("nodePort") or 0
        number = port.get("port") or 0
        pieces.append(
            f"{number}:{node_port}/{protocol}" if node_port > 0 else f"{number}/{protocol}"
        )
    return ",".join(pieces) or NONE


def _cluster_ip(spec: Mapping[str, Any]) -> str:
    """The internal ``ClusterIPs[0]``: v1 ``clusterIP`` wins over ``clusterIPs`` on conversion."""
    if spec.get("clusterIP"):
        return str(spec["clusterIP"])
    ips = spec.get("clusterIPs") or []
    return str(ips[0]) if ips else NONE


def _service_row(service: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age = _name_age(service, now)
    spec = service.get("spec") or {}
    return [
        name,
        spec.get("type") or "ClusterIP",  # the v1 default
        _cluster_ip(spec),
        service_external_ip(service),
        service_ports(spec.get("ports")),
        age,
        format_labels(spec.get("selector")),
    ]


SERVICE = Printer(
    (
        NAME,
        Column(
            "Type",
            description="type determines how the Service is exposed. Defaults to ClusterIP. "
            "Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.",
        ),
        Column(
            "Cluster-IP",
            description="clusterIP is the IP address of the service and is usually assigned "
            "randomly.",
        ),
        Column(
            "External-IP",
            description="externalIPs is a list of IP addresses for which nodes in the cluster "
            "will also accept traffic for this service.",
        ),
        Column("Port(s)", description="The list of ports that are exposed by this service."),
        AGE,
        Column(
            "Selector",
            priority=1,
            description="Route service traffic to pods with label keys and values matching "
            "this selector.",
        ),
    ),
    _service_row,
)

# --- endpoints ----------------------------------------------------------------------------------

_LIMIT = 3


def format_endpoints(endpoints: Mapping[str, Any]) -> str:
    """ENDPOINTS: up to three ``ip:port`` (or bare IPs without ports), ``+ N more...``."""
    subsets = endpoints.get("subsets") or []
    if not subsets:
        return NONE
    shown: list[str] = []
    more = False
    count = 0
    for subset in subsets:
        addresses = [str(a.get("ip") or "") for a in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        if not ports:  # headless services may have no ports
            count += len(addresses)
            for ip in addresses:
                if len(shown) == _LIMIT:
                    more = True
                    break
                shown.append(ip)
            continue
        for port in ports:
            count += len(addresses)
            for ip in addresses:
                if len(shown) == _LIMIT:
                    more = True
                    break
                shown.append(join_host_port(ip, port.get("port") or 0))
    text = ",".join(shown)
    return f"{text} + {count - _LIMIT} more..." if more else text


def _endpoints_row(obj: Mapping[str, Any], now: datetime) -> list[Any]:
    name, age = _name_age(obj, now)
    return [name, format_endpoints(obj), age]


ENDPOINTS = Printer(
    (
        NAME,
        Column(
            "Endpoints",
            description="The set of all endpoints is the union of all subsets.",
        ),
        AGE,
    ),
    _endpoints_row,
)
