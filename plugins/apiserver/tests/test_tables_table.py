"""The Table object: rows and their objects (includeObject), list metadata, single-object GETs,
watch events, and Accept negotiation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from microkube_apiserver.tables import (
    TABLE_V1,
    TABLE_V1BETA1,
    IncludeObject,
    TableError,
    TableWatchEncoder,
    build_table,
    parse_include_object,
    printer_for,
    table_for_list,
    table_for_object,
    table_group_version,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
POD_PRINTER = printer_for("", "pods")


def pod(name: str, rv: str, phase: str = "Running") -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": f"uid-{name}",
            "resourceVersion": rv,
            "creationTimestamp": "2024-05-01T11:59:50Z",
            "labels": {"app": name},
            "managedFields": [{"manager": "kubectl", "operation": "Update"}],
        },
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        "status": {"phase": phase},
    }


POD_LIST = {
    "kind": "PodList",
    "apiVersion": "v1",
    "metadata": {"resourceVersion": "1016", "continue": "tok", "remainingItemCount": 7},
    "items": [pod("a", "1013"), pod("b", "1014", phase="Succeeded")],
}


def test_list_table_shape() -> None:
    table = table_for_list(POD_LIST, POD_PRINTER, now=NOW)
    assert list(table) == ["kind", "apiVersion", "metadata", "columnDefinitions", "rows"]
    assert table["kind"] == "Table"
    assert table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {
        "resourceVersion": "1016",
        "continue": "tok",
        "remainingItemCount": 7,
    }
    assert table["columnDefinitions"][0] == {
        "name": "Name",
        "type": "string",
        "format": "name",
        "description": POD_PRINTER.columns[0].description,
        "priority": 0,
    }
    assert [c["priority"] for c in table["columnDefinitions"]] == [0, 0, 0, 0, 0, 1, 1, 1, 1]
    first, second = table["rows"]
    assert first["cells"] == [
        "a",
        "0/1",
        "Running",
        "0",
        "10s",
        "<none>",
        "<none>",
        "<none>",
        "<none>",
    ]
    assert "conditions" not in first
    assert second["conditions"] == [
        {
            "type": "Completed",
            "status": "True",
            "reason": "Succeeded",
            "message": "The pod has completed successfully.",
        }
    ]
    json.dumps(table)  # JSON-ready as it is


def test_rows_carry_partial_object_metadata_by_default() -> None:
    table = table_for_list(POD_LIST, POD_PRINTER, now=NOW)
    # The whole ObjectMeta (managedFields included), typed in the Table's own group-version.
    assert table["rows"][0]["object"] == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": POD_LIST["items"][0]["metadata"],
    }
    beta = table_for_list(POD_LIST, POD_PRINTER, now=NOW, group_version=TABLE_V1BETA1)
    assert beta["apiVersion"] == "meta.k8s.io/v1beta1"
    assert beta["rows"][0]["object"]["apiVersion"] == "meta.k8s.io/v1beta1"


def test_include_object_none_and_object() -> None:
    none = table_for_list(POD_LIST, POD_PRINTER, now=NOW, include_object="None")
    assert [r["object"] for r in none["rows"]] == [None, None]
    whole = table_for_list(POD_LIST, POD_PRINTER, now=NOW, include_object=IncludeObject.OBJECT)
    obj = whole["rows"][0]["object"]
    # List items are stored untyped; included whole they carry their kind.
    assert (obj["apiVersion"], obj["kind"]) == ("v1", "Pod")
    assert obj["spec"] == POD_LIST["items"][0]["spec"]


def test_parse_include_object() -> None:
    assert parse_include_object(None) is IncludeObject.METADATA
    assert parse_include_object("") is IncludeObject.METADATA
    assert parse_include_object("Object") is IncludeObject.OBJECT
    with pytest.raises(TableError) as caught:
        parse_include_object("metadata")
    assert caught.value.code == 400
    assert caught.value.reason == "BadRequest"
    assert caught.value.message == (
        "Unable to convert to Table as requested: includeObject: Invalid value: "
        "\"metadata\": must be 'Metadata', 'Object', 'None', or empty"
    )


def test_table_of_unknown_group_version_is_not_acceptable() -> None:
    with pytest.raises(TableError) as caught:
        build_table([], POD_PRINTER, group_version="meta.k8s.io/v2")
    assert (caught.value.code, caught.value.reason) == (406, "NotAcceptable")


def test_single_object_get_is_a_one_row_table() -> None:
    table = table_for_object(pod("a", "1013"), POD_PRINTER, now=NOW)
    assert table["metadata"] == {"resourceVersion": "1013"}
    assert len(table["rows"]) == 1
    assert table["rows"][0]["cells"][0] == "a"


def test_empty_list_and_no_headers() -> None:
    table = build_table([], POD_PRINTER, now=NOW, no_headers=True)
    assert table["rows"] == []
    assert table["metadata"] == {}
    assert table["columnDefinitions"] is None


def test_watch_sends_headers_once_and_keeps_status() -> None:
    clock_values = iter([NOW, NOW, NOW])
    encoder = TableWatchEncoder(POD_PRINTER, clock=lambda: next(clock_values))
    added = encoder.encode("ADDED", pod("a", "1013"))
    assert added["type"] == "ADDED"
    assert added["object"]["kind"] == "Table"
    assert len(added["object"]["columnDefinitions"]) == 9
    assert added["object"]["metadata"] == {"resourceVersion": "1013"}
    assert [len(r["cells"]) for r in added["object"]["rows"]] == [9]
    modified = encoder.encode("MODIFIED", pod("a", "1020"))
    assert modified["object"]["columnDefinitions"] is None
    assert modified["object"]["rows"][0]["object"]["metadata"]["resourceVersion"] == "1020"
    gone = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": 410,
        "reason": "Expired",
    }
    assert encoder.encode("ERROR", gone) == {"type": "ERROR", "object": gone}


KUBECTL_ACCEPT = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (KUBECTL_ACCEPT, TABLE_V1),
        ("application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json", TABLE_V1BETA1),
        ("application/json;as=Table;v=v2;g=meta.k8s.io,application/json", None),
        (
            "application/json;as=Table;v=v2;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io",
            TABLE_V1,
        ),
        ("application/json", None),
        ("application/json, */*", None),
        ("application/vnd.kubernetes.protobuf,application/json", None),
        ("application/json;q=0.5,application/json;as=Table;v=v1;g=meta.k8s.io", TABLE_V1),
        ("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", None),
        ("*/*;as=Table;g=meta.k8s.io;v=v1", TABLE_V1),
        ("application/json;as=Table", None),
        ("", None),
        (None, None),
    ],
)
def test_table_group_version(accept: str | None, expected: str | None) -> None:
    assert table_group_version(accept) == expected
