"""Every served resource answers ``kubectl get``'s Table request, over HTTP: an object of each
kind (from the shared manifests) is created, then listed and read as a Table whose rows have
one cell per column, the object's name in the Name column, and its metadata."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from microkube_apiserver.discovery import Resource
from microkube_apiserver.server.catalogue import served_catalogue

MANIFESTS = Path(__file__).resolve().parents[3] / "tests" / "manifests"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation")

#: Every served resource that can be created and listed (``bindings`` can only be created, the
#: metrics.k8s.io resources only read).
RESOURCES = [r for r in served_catalogue() if {"create", "list"} <= set(r.verbs)]


def _manifest_objects() -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(MANIFESTS.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                found.setdefault((doc["apiVersion"], doc["kind"]), doc)
    return found


OBJECTS = _manifest_objects()


def _collection(resource: Resource) -> str:
    base = f"/apis/{resource.group}/{resource.version}" if resource.group else "/api/v1"
    namespace = "/namespaces/default" if resource.namespaced else ""
    return f"{base}{namespace}/{resource.plural}"


def _creatable(resource: Resource) -> dict[str, Any]:
    obj = copy.deepcopy(OBJECTS[(resource.gvk.api_version, resource.kind)])
    metadata = obj["metadata"]
    for key in SERVER_FIELDS:
        metadata.pop(key, None)
    if resource.namespaced:
        metadata["namespace"] = "default"
    else:
        metadata.pop("namespace", None)
    return obj


def test_every_served_kind_has_a_manifest():
    missing = [r.kind for r in RESOURCES if (r.gvk.api_version, r.kind) not in OBJECTS]
    assert missing == []


def _check_row(table: dict[str, Any], row: dict[str, Any], name: str) -> None:
    columns = [c["name"] for c in table["columnDefinitions"]]
    assert len(row["cells"]) == len(columns), (columns, row["cells"])
    assert row["cells"][columns.index("Name")] == name
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["apiVersion"] == "meta.k8s.io/v1"
    assert row["object"]["metadata"]["name"] == name


@pytest.mark.parametrize("resource", RESOURCES, ids=[r.group_resource for r in RESOURCES])
async def test_table_for_every_served_kind(client, resource):
    obj = _creatable(resource)
    name = obj["metadata"]["name"]
    created = await client.post(_collection(resource), obj)
    assert created.status == 201, created
    listed = await client.get(_collection(resource), headers={"Accept": TABLE})
    assert listed.status == 200, listed
    table = listed.body
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert table["columnDefinitions"][0]["priority"] == 0
    rows = {row["object"]["metadata"]["name"]: row for row in table["rows"]}
    _check_row(table, rows[name], name)
    one = await client.get(f"{_collection(resource)}/{name}", headers={"Accept": TABLE})
    assert one.status == 200, one
    assert one.body["kind"] == "Table" and len(one.body["rows"]) == 1
    assert one.body["columnDefinitions"] == table["columnDefinitions"]
    _check_row(one.body, one.body["rows"][0], name)
