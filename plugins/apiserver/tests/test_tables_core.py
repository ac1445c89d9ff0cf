"""core/v1 rows: nodes, services of every type, endpoints, namespaces, configmaps, secrets,
serviceaccounts, persistent volumes and claims."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from microkube_apiserver.tables import printer_for

MANIFESTS = Path(__file__).resolve().parents[3] / "tests" / "manifests"
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
CREATED = "2024-05-01T11:00:00Z"  # one hour before NOW: AGE "60m"


def manifest(name: str) -> dict[str, dict[str, Any]]:
    docs = [doc for doc in yaml.safe_load_all((MANIFESTS / name).read_text()) if doc]
    return {doc["metadata"]["name"]: doc for doc in docs}


def row(resource: str, obj: dict[str, Any]) -> list[Any]:
    return printer_for("", resource).row(obj, NOW)


def headers(resource: str) -> list[tuple[str, int]]:
    return [(c.name, c.priority) for c in printer_for("", resource).columns]


# --- nodes --------------------------------------------------------------------------------------


def test_node_from_manifest_control_plane_cordoned() -> None:
    node = manifest("core-node.yaml")["node-1"]
    assert headers("nodes") == [
        ("Name", 0),
        ("Status", 0),
        ("Roles", 0),
        ("Age", 0),
        ("Version", 0),
        ("Internal-IP", 1),
        ("External-IP", 1),
        ("OS-Image", 1),
        ("Kernel-Version", 1),
        ("Container-Runtime", 1),
    ]
    assert row("nodes", node) == [
        "node-1",
        "Ready,SchedulingDisabled",
        "control-plane",
        "3h",
        "v1.32.0",
        "192.168.49.2",
        "203.0.113.10",
        "Debian GNU/Linux 12 (bookworm)",
        "6.1.0-18-amd64",
        "containerd://1.6.20",
    ]


def test_node_not_ready_roles_from_both_label_forms() -> None:
    node = {
        "metadata": {
            "name": "w1",
            "creationTimestamp": CREATED,
            "labels": {
                "node-role.kubernetes.io/infra": "",
                "node-role.kubernetes.io/": "",  # an empty role is no role
                "kubernetes.io/role": "worker",
            },
        },
        "status": {"conditions": [{"type": "Ready", "status": "False"}]},
    }
    assert row("nodes", node) == [
        "w1",
        "NotReady",
        "infra,worker",
        "60m",
        "",
        "<none>",
        "<none>",
        "<unknown>",
        "<unknown>",
        "<unknown>",
    ]


def test_node_without_ready_condition_is_unknown() -> None:
    node = {"metadata": {"name": "n"}, "spec": {"unschedulable": True}, "status": {}}
    assert row("nodes", node)[1:4] == ["Unknown,SchedulingDisabled", "<none>", "<unknown>"]


# --- services -----------------------------------------------------------------------------------


def services() -> dict[str, dict[str, Any]]:
    """The manifest's services as the API server stores them: defaulted, IPs allocated."""
    items = copy.deepcopy(manifest("core-services.yaml"))
    allocated = {"my-service": "10.96.12.34", "my-nodeport": "10.96.0.20", "nginx": "None"}
    for name, ip in allocated.items():
        items[name]["spec"]["clusterIP"] = ip
        items[name]["spec"]["clusterIPs"] = [ip]
    items["dual-stack"]["spec"]["clusterIPs"] = ["fd00:10:96::5", "10.96.0.5"]
    for item in items.values():
        item["metadata"]["creationTimestamp"] = CREATED
    return items


def test_service_columns() -> None:
    assert headers("services") == [
        ("Name", 0),
        ("Type", 0),
        ("Cluster-IP", 0),
        ("External-IP", 0),
        ("Port(s)", 0),
        ("Age", 0),
        ("Selector", 1),
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "my-service",
            [
                "ClusterIP",
                "10.96.12.34",
                "<none>",
                "80/TCP,9376/TCP",
                "60m",
                "app.kubernetes.io/name=proxy",
            ],
        ),
        (
            "my-nodeport",
            [
                "NodePort",
                "10.96.0.20",
                "198.51.100.32",
                "80:30007/TCP",
                "60m",
                "app.kubernetes.io/name=MyApp",
            ],
        ),
        (
            "my-lb",
            [
                "LoadBalancer",
                "10.0.171.239",
                "192.0.2.127",
                "80:31234/TCP",
                "60m",
                "app.kubernetes.io/name=MyApp",
            ],
        ),
        (
            "my-database",
            ["ExternalName", "<none>", "my.database.example.com", "<none>", "60m", "<none>"],
        ),
        ("nginx", ["ClusterIP", "None", "<none>", "80/TCP", "60m", "app=nginx"]),
        (
            "dual-stack",
            [
                "ClusterIP",
                "fd00:10:96::5",
                "<none>",
                "53/UDP",
                "60m",
                "app.kubernetes.io/name=MyApp",
            ],
        ),
    ],
)
def test_service_of_every_type(name: str, expected: list[Any]) -> None:
    assert row("services", services()[name]) == [name, *expected]


def test_load_balancer_pending_hostnames_and_external_ips() -> None:
    svc = services()["my-lb"]
    svc["status"] = {}
    assert row("services", svc)[3] == "<pending>"
    # Server-side tables are wide: long hostnames are not clipped; ingress is sorted, deduped.
    svc["status"] = {
        "loadBalancer": {
            "ingress": [
                {"hostname": "a1b2c3d4e5f6-1234567890.eu-west-1.elb.amazonaws.com"},
                {"ip": "203.0.113.7"},
                {"ip": "203.0.113.7"},
            ]
        }
    }
    assert (
        row("services", svc)[3] == "203.0.113.7,a1b2c3d4e5f6-1234567890.eu-west-1.elb.amazonaws.com"
    )
    svc["spec"]["externalIPs"] = ["198.51.100.1"]
    assert row("services", svc)[3].endswith(",198.51.100.1")
    svc["status"] = {}
    assert row("services", svc)[3] == "198.51.100.1"


def test_service_without_ports() -> None:
    svc = {"metadata": {"name": "bare"}, "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.9"}}
    assert row("services", svc)[4] == "<none>"


# --- endpoints ----------------------------------------------------------------------------------


def test_endpoints_from_manifest() -> None:
    items = manifest("core-endpoints.yaml")
    assert row("endpoints", items["my-service"])[1] == "192.0.2.42:9376"
    # notReadyAddresses are not shown.
    assert row("endpoints", items["nginx"])[1] == "10.244.0.7:80,10.244.1.9:80"


def test_endpoints_more_ipv6_headless_and_empty() -> None:
    many = {
        "metadata": {"name": "many"},
        "subsets": [
            {
                "addresses": [{"ip": f"10.0.0.{i}"} for i in range(1, 4)],
                "ports": [{"port": 80}, {"port": 443}],
            }
        ],
    }
    assert row("endpoints", many)[1] == "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more..."
    ipv6 = {
        "metadata": {"name": "v6"},
        "subsets": [{"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 53}]}],
    }
    assert row("endpoints", ipv6)[1] == "[fd00::1]:53"
    headless = {"metadata": {"name": "h"}, "subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]}
    assert row("endpoints", headless)[1] == "10.0.0.1"
    assert row("endpoints", {"metadata": {"name": "e"}}) == ["e", "<none>", "<unknown>"]


# --- namespaces, configmaps, secrets, serviceaccounts ------------------------------------------


def test_namespaces() -> None:
    items = manifest("core-serviceaccount-namespace.yaml")
    assert row("namespaces", items["development"]) == ["development", "Active", "3h"]
    assert row("namespaces", items["leaving"]) == ["leaving", "Terminating", "<unknown>"]
    assert headers("namespaces") == [("Name", 0), ("Status", 0), ("Age", 0)]


def test_configmaps_count_data_and_binary_data() -> None:
    items = manifest("core-configmap.yaml")
    assert row("configmaps", items["game-demo"])[:2] == ["game-demo", 4]
    assert row("configmaps", items["binary-and-immutable"])[:2] == ["binary-and-immutable", 2]


def test_secrets_type_and_data_count() -> None:
    items = manifest("core-secrets.yaml")
    # stringData merges into data (config.yaml joins .secret-file and username).
    assert row("secrets", items["dotfile-secret"])[:3] == ["dotfile-secret", "Opaque", 3]
    assert row("secrets", items["secret-tls"])[:3] == ["secret-tls", "kubernetes.io/tls", 2]
    assert row("secrets", items["build-robot-secret"])[1:3] == [
        "kubernetes.io/service-account-token",
        0,
    ]
    assert headers("secrets") == [("Name", 0), ("Type", 0), ("Data", 0), ("Age", 0)]


def test_v1_defaults_show_in_cells() -> None:
    assert row("secrets", {"metadata": {"name": "s"}})[1] == "Opaque"
    assert row("namespaces", {"metadata": {"name": "n"}})[1] == "Active"


def test_serviceaccounts_count_secrets() -> None:
    account = manifest("core-serviceaccount-namespace.yaml")["build-robot"]
    assert row("serviceaccounts", account) == ["build-robot", 1, "<unknown>"]
    assert row("serviceaccounts", {"metadata": {"name": "default"}})[1] == 0


# --- persistent volumes and claims --------------------------------------------------------------


def test_persistent_volumes() -> None:
    items = manifest("core-persistent-volumes.yaml")
    assert [c.name for c in printer_for("", "persistentvolumes").columns] == [
        "Name",
        "Capacity",
        "Access Modes",
        "Reclaim Policy",
        "Status",
        "Claim",
        "StorageClass",
        "VolumeAttributesClass",
        "Reason",
        "Age",
        "VolumeMode",
    ]
    # As submitted: v1 defaulting gives phase Pending and volumeMode Filesystem.
    assert row("persistentvolumes", items["task-pv-volume"]) == [
        "task-pv-volume",
        "10Gi",
        "RWO",
        "Retain",
        "Pending",
        "",
        "manual",
        "<unset>",
        "",
        "<unknown>",
        "Filesystem",
    ]
    assert row("persistentvolumes", items["example-pv"])[1:7] == [
        "100Gi",
        "RWO",
        "Delete",
        "Bound",
        "default/myclaim",
        "local-storage",
    ]
    assert row("persistentvolumes", items["example-pv"])[-1] == "Filesystem"


def test_access_modes_fixed_order_and_terminating() -> None:
    pv = {
        "metadata": {"name": "x", "deletionTimestamp": CREATED},
        "spec": {
            "accessModes": ["ReadWriteOncePod", "ReadWriteMany", "ReadOnlyMany", "ReadWriteMany"]
        },
        "status": {"phase": "Released"},
    }
    assert row("persistentvolumes", pv)[1:5] == ["0", "ROX,RWX,RWOP", "Retain", "Terminating"]


def test_persistent_volume_claims() -> None:
    items = manifest("core-persistent-volumes.yaml")
    assert row("persistentvolumeclaims", items["myclaim"]) == [
        "myclaim",
        "Pending",  # the v1 default
        "",
        "",
        "",
        "slow",
        "<unset>",
        "<unknown>",
        "Filesystem",
    ]
    assert row("persistentvolumeclaims", items["restore-pvc"]) == [
        "restore-pvc",
        "Bound",
        "pvc-1a2b3c4d",
        "10Gi",
        "RWO",
        "csi-hostpath-sc",
        "<unset>",
        "<unknown>",
        "Filesystem",
    ]
    pending = {
        "metadata": {"name": "pending", "creationTimestamp": CREATED},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "8Gi"}},
            "storageClassName": "fast",
        },
        "status": {"phase": "Pending"},
    }
    # Capacity and modes show only once bound (spec.volumeName).
    assert row("persistentvolumeclaims", pending) == [
        "pending",
        "Pending",
        "",
        "",
        "",
        "fast",
        "<unset>",
        "60m",
        "Filesystem",
    ]
    bound = copy.deepcopy(pending)
    bound["metadata"]["annotations"] = {"volume.beta.kubernetes.io/storage-class": "legacy"}
    bound["spec"]["volumeName"] = "pv-1"
    bound["spec"]["volumeMode"] = "Block"
    bound["status"] = {
        "phase": "Bound",
        "accessModes": ["ReadWriteOnce"],
        "capacity": {"storage": "10Gi"},
    }
    assert row("persistentvolumeclaims", bound) == [
        "pending",
        "Bound",
        "pv-1",
        "10Gi",
        "RWO",
        "legacy",
        "<unset>",
        "60m",
        "Block",
    ]
