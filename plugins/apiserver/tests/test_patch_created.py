"""Managed fields of a create, built in one walk, are exactly those of the general diff against
no object (the same entry, fields, order and errors)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from microkube_apiserver.patch import PatchError, record_create, record_update
from microkube_apiserver.patch.apply import _record_by_diff
from microkube_apiserver.registry.context import Target
from microkube_apiserver.registry.managed import track_create, track_update
from microkube_apiserver.server.catalogue import served_catalogue

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
IGNORES: list[tuple[tuple[str, ...], ...]] = [(), (("status",),), (("spec",), ("metadata",))]

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "p",
        "namespace": "default",
        "labels": {"app": "web"},
        "annotations": {},
        "finalizers": ["a/b", "a/b"],
        "ownerReferences": [{"apiVersion": "v1", "kind": "X", "name": "o", "uid": "u"}],
        "managedFields": [{"manager": "old", "operation": "Update", "fieldsV1": {"f:x": {}}}],
        "uid": "1",
        "resourceVersion": "5",
        "creationTimestamp": "2026-01-01T00:00:00Z",
    },
    "spec": {
        "containers": [
            {
                "name": "app",
                "image": "img",
                "ports": [{"containerPort": 80}, {"containerPort": 80, "protocol": "UDP"}],
                "env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}],
                "resources": {"limits": {"cpu": "1"}},
                "securityContext": {},
                "args": ["--x", "--x"],
            }
        ],
        "nodeSelector": {},
        "tolerations": [{"key": "k", "operator": "Exists"}],
        "dnsConfig": None,
    },
    "status": {"phase": "Pending", "conditions": [{"type": "Ready", "status": "True"}]},
}
DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "d", "labels": {"a": "b"}},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"a": "b"}},
        "template": {
            "metadata": {"labels": {"a": "b"}},
            "spec": {"containers": [{"name": "c", "image": "i"}], "volumes": [{"name": "v"}]},
        },
    },
}
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "s"},
    "spec": {"ports": [{"port": 80, "targetPort": 8080}], "selector": {"a": "b"}},
}
UNKNOWN = {
    "apiVersion": "example.com/v1",
    "kind": "Widget",
    "metadata": {"name": "w", "labels": {}},
    "spec": {"list": [1, {"a": None}], "nested": {"deep": {}, "x": {"y": 1}}, "empty": []},
}
OBJECTS = [POD, DEPLOYMENT, SERVICE, UNKNOWN, {"kind": "ConfigMap", "data": {"k": "v"}}, {}]


def _both(obj: dict[str, Any], **kw: Any) -> tuple[Any, Any]:
    """(record_update's answer, the diff's answer); an error's type and text stand for one."""
    answers = []
    for record in (
        lambda: record_update(None, obj, now=NOW, **kw),
        lambda: _record_by_diff(
            None, obj, kw["manager"], kw.get("subresource"), NOW, tuple(kw.get("ignore", ()))
        ),
    ):
        try:
            answers.append(record())
        except PatchError as exc:
            answers.append(("PatchError", str(exc), exc.code))
        except (AttributeError, TypeError) as exc:  # metadata that is not an object
            answers.append((type(exc).__name__, str(exc)))
    return answers[0], answers[1]


@pytest.mark.parametrize("obj", OBJECTS)
@pytest.mark.parametrize("ignore", IGNORES)
@pytest.mark.parametrize("subresource", [None, "status"])
def test_created_managed_fields_equal_the_diff_s(obj, ignore, subresource):
    before = copy.deepcopy(obj)
    fast, general = _both(obj, manager="kubectl", subresource=subresource, ignore=ignore)
    assert fast == general
    assert obj == before  # the input is left alone
    if isinstance(fast, dict) and fast.get("metadata", {}).get("managedFields"):
        fast["metadata"]["managedFields"][0]["fieldsV1"]["mutated"] = {}
        assert obj == before  # and shares nothing with the answer


@pytest.mark.parametrize("obj", OBJECTS)
def test_recording_a_create_in_place_gives_the_same_object(obj):
    expected = record_update(None, obj, manager="m", now=NOW, ignore=(("status",),))
    mine = copy.deepcopy(obj)
    record_create(mine, manager="m", now=NOW, ignore=(("status",),))
    assert json.dumps(mine) == json.dumps(expected)  # key order too


def test_the_bench_pod_s_fields():
    fields = record_update(None, POD, manager="m", now=NOW, ignore=(("status",),))
    entry = fields["metadata"]["managedFields"]
    assert [list(e) for e in entry] == [
        ["manager", "operation", "apiVersion", "time", "fieldsType", "fieldsV1"]
    ]
    v1 = entry[0]["fieldsV1"]
    assert list(v1) == ["f:metadata", "f:spec"]
    assert v1["f:metadata"]["f:labels"] == {".": {}, "f:app": {}}
    container = v1["f:spec"]["f:containers"]['k:{"name":"app"}']
    assert list(container)[:2] == [".", "f:args"]
    assert 'k:{"containerPort":80,"protocol":"TCP"}' in container["f:ports"]


def test_an_item_without_its_key_fails_the_same_way():
    pod = copy.deepcopy(POD)
    pod["spec"]["containers"].append({"image": "no-name"})
    fast, general = _both(pod, manager="m")
    assert fast == general and fast[0] == "PatchError"
    status_only = copy.deepcopy(POD)
    status_only["status"]["conditions"].append({"status": "False"})  # under an ignored field
    fast, general = _both(status_only, manager="m", ignore=(("status",),))
    assert fast == general


_WORDS = [
    "metadata",
    "spec",
    "status",
    "name",
    "labels",
    "containers",
    "ports",
    "env",
    "containerPort",
    "protocol",
    "value",
    "template",
    "selector",
    "items",
    "x",
]
_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["", "a", "TCP"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_WORDS), inner, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from([("v1", "Pod"), ("apps/v1", "Deployment"), ("x/v1", "Thing")]),
    body=st.dictionaries(st.sampled_from(_WORDS), _values, max_size=4),
    ignore=st.sampled_from(IGNORES),
)
def test_random_objects_agree(kind, body, ignore):
    obj = {"apiVersion": kind[0], "kind": kind[1], **body}
    fast, general = _both(obj, manager="m", ignore=ignore)
    assert fast == general


def _pods_target() -> Target:
    resource = next(r for r in served_catalogue() if (r.group, r.plural) == ("", "pods"))
    return Target(resource, "default")


def test_tracking_a_create_in_place_matches_tracking_it_on_a_copy():
    broken = copy.deepcopy(POD)
    broken["spec"]["containers"].append({"image": "no-name"})
    for body in (POD, broken):
        expected = track_update(None, copy.deepcopy(body), _pods_target(), "m", NOW)
        mine = copy.deepcopy(body)
        track_create(mine, _pods_target(), "m", NOW)
        assert json.dumps(mine) == json.dumps(expected)
    assert "managedFields" not in mine["metadata"]  # untrackable: created without them
