"""Events (both APIs), leases, endpointslices, RBAC, poddisruptionbudgets, Scale, and the
default NAME/CREATED AT printer that roles, clusterroles and unknown kinds get."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from microkube_apiserver.tables import default_registry, printer_for
from microkube_apiserver.tables.printers_default import DEFAULT

MANIFESTS = Path(__file__).resolve().parents[3] / "tests" / "manifests"


def manifest(name: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((MANIFESTS / name).read_text()) if doc]


def row(group: str, resource: str, obj: dict[str, Any], now: datetime) -> list[Any]:
    return printer_for(group, resource).row(obj, now)


# --- events -------------------------------------------------------------------------------------


def test_event_columns_are_shared_by_both_apis() -> None:
    core = printer_for("", "events")
    assert [(c.name, c.priority) for c in core.columns] == [
        ("Last Seen", 0),
        ("Type", 0),
        ("Reason", 0),
        ("Object", 0),
        ("Subobject", 1),
        ("Source", 1),
        ("Message", 0),
        ("First Seen", 1),
        ("Count", 1),
        ("Name", 1),
    ]
    assert printer_for("events.k8s.io", "events").columns == core.columns


def test_core_events_from_manifest() -> None:
    backoff, scheduled = manifest("core-event.yaml")
    now = datetime(2024, 5, 1, 10, 6, 0, tzinfo=UTC)
    assert row("", "events", backoff, now) == [
        "29s",
        "Warning",
        "BackOff",
        "pod/nginx-deployment-7c79c4bf97-abcde",
        "spec.containers{sidecar}",
        "kubelet, node-1",
        "Back-off restarting failed container sidecar in pod "
        "nginx-deployment-7c79c4bf97-abcde_default(0f4a8a5e-2b1c-4a7e-8d3e-6b9f8e7d6c5b)",
        "5m29s",
        12,
        "nginx-deployment-7c79c4bf97-abcde.17c9a8b7f1e2d3c4",
    ]
    # No first/last timestamps: eventTime, then the series' last observation and count.
    # No source: the reporting component and instance.
    assert row("", "events", scheduled, now) == [
        "5m57s",
        "Normal",
        "Scheduled",
        "pod/nginx-deployment-7c79c4bf97-abcde",
        "",
        "default-scheduler, default-scheduler-control-plane",
        "Successfully assigned default/nginx-deployment-7c79c4bf97-abcde to node-1",
        "5m59s",
        2,
        "nginx-deployment-7c79c4bf97-abcde.17c9a8b7f1e2d3c5",
    ]


def test_events_k8s_io_events_from_manifest() -> None:
    scheduled, backoff, started = manifest("events-event.yaml")
    now = datetime(2024, 11, 20, 13, 10, 0, tzinfo=UTC)
    assert row("events.k8s.io", "events", scheduled, now) == [
        "3h2m",
        "Normal",
        "Scheduled",
        "pod/nginx-deployment-7b9f5c6d4-2nqzv",
        "",
        "default-scheduler, default-scheduler-control-plane",
        "Successfully assigned default/nginx-deployment-7b9f5c6d4-2nqzv to node-1",
        "3h2m",
        1,
        "nginx-deployment-7b9f5c6d4-2nqzv.1809a6e3f4c2b1a0",
    ]
    assert row("events.k8s.io", "events", backoff, now)[:9] == [
        "19s",
        "Warning",
        "BackOff",
        "pod/web-6d4cf56db6-k8mzt",
        "spec.containers{web}",
        "kubelet, node-2",
        'Back-off pulling image "registry.example.com/web:2.1"',
        "7m48s",
        14,
    ]
    assert row("events.k8s.io", "events", started, now)[:9] == [
        "3h2m",
        "Normal",
        "Started",
        "pod/nginx-deployment-7b9f5c6d4-2nqzv",
        "spec.containers{nginx}",
        "kubelet, node-1",
        "Started container nginx",
        "3h2m",
        1,
    ]


def test_event_without_involved_name_and_times() -> None:
    event = {"metadata": {"name": "e"}, "involvedObject": {"kind": "Node"}, "message": "  hi \n"}
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert row("", "events", event, now) == [
        "<unknown>",
        "",
        "",
        "node",
        "",
        "",
        "hi",
        "<unknown>",
        1,
        "e",
    ]


# --- leases, endpointslices ---------------------------------------------------------------------


def test_leases_from_manifest() -> None:
    node_lease, scheduler = manifest("coordination-lease.yaml")
    now = datetime(2024, 11, 20, 13, 41, 10, tzinfo=UTC)
    assert [c.name for c in printer_for("coordination.k8s.io", "leases").columns] == [
        "Name",
        "Holder",
        "Age",
    ]
    assert row("coordination.k8s.io", "leases", node_lease, now) == ["node-1", "node-1", "4h41m"]
    assert row("coordination.k8s.io", "leases", scheduler, now)[1] == (
        "control-plane_f55c3740-ea3d-473a-95b1-adbf3a576348"
    )


def test_endpoint_slices_from_manifest() -> None:
    example, web, external = manifest("discovery-endpointslice.yaml")
    now = datetime(2024, 11, 20, 13, 0, 1, tzinfo=UTC)
    assert [c.name for c in printer_for("discovery.k8s.io", "endpointslices").columns] == [
        "Name",
        "AddressType",
        "Ports",
        "Endpoints",
        "Age",
    ]
    assert row("discovery.k8s.io", "endpointslices", example, now) == [
        "example-abc",
        "IPv4",
        "80",
        "10.1.2.3",
        "<unknown>",
    ]
    # Terminating endpoints are listed too.
    assert row("discovery.k8s.io", "endpointslices", web, now) == [
        "web-x7k2p",
        "IPv4",
        "8080,9090",
        "10.244.1.5,10.244.2.9",
        "3h",
    ]
    assert row("discovery.k8s.io", "endpointslices", external, now)[1:4] == [
        "FQDN",
        "<unset>",
        "db-primary.example.com",
    ]


def test_endpoint_slice_limits_and_unset() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    many = {
        "metadata": {"name": "s"},
        "addressType": "IPv6",
        "ports": [{"port": 1}, {"name": "x"}, {}, {"port": 4}, {"port": 5}],
        "endpoints": [{"addresses": ["fd00::1", "fd00::2"]}, {"addresses": ["fd00::3", "fd00::4"]}],
    }
    assert row("discovery.k8s.io", "endpointslices", many, now)[1:4] == [
        "IPv6",
        "1,x, + 2 more...",
        "fd00::1,fd00::2,fd00::3 + 1 more...",
    ]
    empty = {"metadata": {"name": "e"}, "addressType": "IPv4"}
    assert row("discovery.k8s.io", "endpointslices", empty, now)[2:4] == ["<unset>", "<unset>"]


# --- RBAC ---------------------------------------------------------------------------------------

RBAC = "rbac.authorization.k8s.io"


def test_role_bindings_from_manifests() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    binding = next(d for d in manifest("rbac-role-binding.yaml") if d["kind"] == "RoleBinding")
    assert [(c.name, c.priority) for c in printer_for(RBAC, "rolebindings").columns] == [
        ("Name", 0),
        ("Role", 0),
        ("Age", 0),
        ("Users", 1),
        ("Groups", 1),
        ("ServiceAccounts", 1),
    ]
    assert row(RBAC, "rolebindings", binding, now) == [
        "read-pods",
        "Role/pod-reader",
        "<unknown>",
        "jane",
        "",
        "kube-system/default",
    ]
    cluster = next(
        d
        for d in manifest("rbac-clusterrole-binding.yaml")
        if d["kind"] == "ClusterRoleBinding" and d["metadata"]["name"] == "read-secrets-global"
    )
    assert row(RBAC, "clusterrolebindings", cluster, now) == [
        "read-secrets-global",
        "ClusterRole/secret-reader",
        "<unknown>",
        "",
        "manager",
        "",
    ]
    several = {
        "metadata": {"name": "b"},
        "roleRef": {"kind": "ClusterRole", "name": "view"},
        "subjects": [
            {"kind": "User", "name": "a"},
            {"kind": "User", "name": "b"},
            {"kind": "Group", "name": "g"},
        ],
    }
    assert row(RBAC, "clusterrolebindings", several, now)[3:5] == ["a, b", "g"]


def test_roles_and_clusterroles_use_the_default_convertor() -> None:
    role = next(d for d in manifest("rbac-role-binding.yaml") if d["kind"] == "Role")
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert printer_for(RBAC, "roles") is DEFAULT
    assert printer_for(RBAC, "clusterroles") is DEFAULT
    assert [(c.name, c.type, c.format) for c in DEFAULT.columns] == [
        ("Name", "string", "name"),
        ("Created At", "date", ""),
    ]
    # No creationTimestamp: Go formats its zero time.
    assert row(RBAC, "roles", role, now) == ["pod-reader", "0001-01-01T00:00:00Z"]
    role["metadata"]["creationTimestamp"] = "2024-05-01T12:30:00+02:00"
    assert row(RBAC, "roles", role, now) == ["pod-reader", "2024-05-01T10:30:00Z"]


# --- PDBs, Scale, registry ----------------------------------------------------------------------


def test_pod_disruption_budgets_from_manifest() -> None:
    zk, web, _eviction = manifest("core-policy.yaml")
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert [c.name for c in printer_for("policy", "poddisruptionbudgets").columns] == [
        "Name",
        "Min Available",
        "Max Unavailable",
        "Allowed Disruptions",
        "Age",
    ]
    assert row("policy", "poddisruptionbudgets", zk, now) == ["zk-pdb", "2", "N/A", 0, "<unknown>"]
    assert row("policy", "poddisruptionbudgets", web, now) == [
        "web-pdb",
        "N/A",
        "30%",
        1,
        "<unknown>",
    ]


def test_scale_subresource_and_status_subresource() -> None:
    scale_printer = default_registry().get("apps", "deployments", "scale")
    assert [(c.name, c.format) for c in scale_printer.columns] == [
        ("Name", ""),
        ("Desired", ""),
        ("Available", ""),
        ("Age", ""),
    ]
    scale = {
        "kind": "Scale",
        "metadata": {"name": "web", "creationTimestamp": "2024-01-01T00:00:00Z"},
        "spec": {"replicas": 5},
        "status": {"replicas": 3, "selector": "app=web"},
    }
    now = datetime(2024, 1, 1, 0, 0, 30, tzinfo=UTC)
    assert scale_printer.row(scale, now) == ["web", 5, 3, "30s"]
    assert default_registry().get("", "pods", "status") is printer_for("", "pods")


def test_unknown_resources_get_the_default_printer() -> None:
    assert printer_for("example.com", "widgets") is DEFAULT
    assert ("", "pods") in default_registry()
    assert ("example.com", "widgets") not in default_registry()
