"""Property: any printer, given a realistic object with any fields missing, yields exactly one
cell per column, each a string or an integer (kubectl requires the counts to match)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from microkube_apiserver.tables import human_duration, printer_for, table_for_object

MANIFESTS = Path(__file__).resolve().parents[3] / "tests" / "manifests"
NOW = datetime(2024, 11, 20, 12, 0, 0, tzinfo=UTC)

# kind -> (group, resource) for every kind the manifests hold.
RESOURCES = {
    ("v1", "Pod"): ("", "pods"),
    ("v1", "Node"): ("", "nodes"),
    ("v1", "Namespace"): ("", "namespaces"),
    ("v1", "Service"): ("", "services"),
    ("v1", "Endpoints"): ("", "endpoints"),
    ("v1", "ConfigMap"): ("", "configmaps"),
    ("v1", "Secret"): ("", "secrets"),
    ("v1", "ServiceAccount"): ("", "serviceaccounts"),
    ("v1", "Event"): ("", "events"),
    ("v1", "PersistentVolume"): ("", "persistentvolumes"),
    ("v1", "PersistentVolumeClaim"): ("", "persistentvolumeclaims"),
    ("apps/v1", "Deployment"): ("apps", "deployments"),
    ("apps/v1", "ReplicaSet"): ("apps", "replicasets"),
    ("apps/v1", "DaemonSet"): ("apps", "daemonsets"),
    ("apps/v1", "StatefulSet"): ("apps", "statefulsets"),
    ("apps/v1", "ControllerRevision"): ("apps", "controllerrevisions"),
    ("batch/v1", "Job"): ("batch", "jobs"),
    ("batch/v1", "CronJob"): ("batch", "cronjobs"),
    ("coordination.k8s.io/v1", "Lease"): ("coordination.k8s.io", "leases"),
    ("discovery.k8s.io/v1", "EndpointSlice"): ("discovery.k8s.io", "endpointslices"),
    ("events.k8s.io/v1", "Event"): ("events.k8s.io", "events"),
    ("policy/v1", "PodDisruptionBudget"): ("policy", "poddisruptionbudgets"),
    ("rbac.authorization.k8s.io/v1", "Role"): ("rbac.authorization.k8s.io", "roles"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): ("rbac.authorization.k8s.io", "clusterroles"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): ("rbac.authorization.k8s.io", "rolebindings"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): (
        "rbac.authorization.k8s.io",
        "clusterrolebindings",
    ),
}


def _objects() -> list[dict[str, Any]]:
    found = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and (doc.get("apiVersion"), doc.get("kind")) in RESOURCES:
                found.append(doc)
    return found


OBJECTS = _objects()


def test_every_served_kind_has_a_manifest_object() -> None:
    kinds = {(o["apiVersion"], o["kind"]) for o in OBJECTS}
    assert kinds == set(RESOURCES)


@st.composite
def pruned(draw: st.DrawFn) -> tuple[tuple[str, str], dict[str, Any]]:
    """A manifest object's kind, and the object with random fields (at any depth) removed."""

    def prune(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: prune(v) for k, v in value.items() if draw(st.integers(0, 3)) != 0}
        if isinstance(value, list):
            return [prune(v) for v in value if draw(st.integers(0, 3)) != 0]
        return value

    origin = draw(st.sampled_from(OBJECTS))
    return (origin["apiVersion"], origin["kind"]), prune(origin)


@settings(max_examples=300, deadline=None)
@given(pruned())
def test_rows_always_match_their_columns(case: tuple[tuple[str, str], dict[str, Any]]) -> None:
    kind, obj = case
    printer = printer_for(*RESOURCES[kind])
    cells = printer.row(obj, NOW)
    assert len(cells) == len(printer.columns)
    assert all(isinstance(cell, str | int) and not isinstance(cell, bool) for cell in cells)
    table = table_for_object(obj, printer, now=NOW)
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


@given(st.integers(min_value=-(10**19), max_value=10**19))
def test_human_duration_is_total_and_short(ns: int) -> None:
    text = human_duration(ns)
    assert text == "<invalid>" or (text[0].isdigit() and len(text) <= 12)
