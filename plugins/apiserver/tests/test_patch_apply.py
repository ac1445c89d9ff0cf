"""Server-side apply and managed fields: ownership, conflicts, force, removal, co-ownership."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from microkube_apiserver.patch import (
    ApplyConflictError,
    PatchError,
    record_update,
    server_side_apply,
)
from microkube_apiserver.patch.fieldpath import decode_fields, encode_fields, path_string
from microkube_apiserver.patch.schema import UNTYPED
from microkube_apiserver.patch.typed import field_set

T1 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
T2 = datetime(2024, 5, 1, 13, 0, 0, tzinfo=UTC)


def config(**overrides: Any) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "nginx",
        "image": overrides.pop("image", "nginx:1.25"),
        "ports": [{"containerPort": 80}],
        "args": ["-g", "daemon off;"],
    }
    if "env" in overrides:
        container["env"] = overrides.pop("env")
    spec: dict[str, Any] = {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [container]},
        },
    }
    spec.update(overrides)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": spec,
    }


def entries(obj: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["manager"], e["operation"]): e for e in obj["metadata"].get("managedFields", [])}


def apply(live: dict[str, Any] | None, cfg: dict[str, Any], manager: str = "kubectl", **kw: Any):
    before = copy.deepcopy((live, cfg))
    result = server_side_apply(live, cfg, manager=manager, now=kw.pop("now", T1), **kw)
    assert (live, cfg) == before, "inputs must not be modified"
    return result


NGINX_FIELDS = {
    "f:metadata": {"f:labels": {"f:app": {}}},
    "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:containers": {
                    'k:{"name":"nginx"}': {
                        ".": {},
                        "f:args": {},
                        "f:image": {},
                        "f:name": {},
                        "f:ports": {
                            'k:{"containerPort":80,"protocol":"TCP"}': {
                                ".": {},
                                "f:containerPort": {},
                            }
                        },
                    }
                }
            },
        },
    },
}


def test_apply_creates_and_records_the_applied_fields() -> None:
    created = apply(None, config())
    managed = created["metadata"].pop("managedFields")
    assert created == config()
    assert managed == [
        {
            "manager": "kubectl",
            "operation": "Apply",
            "apiVersion": "apps/v1",
            "time": "2024-05-01T12:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": NGINX_FIELDS,
        }
    ]


def test_reapplying_the_same_configuration_changes_nothing() -> None:
    created = apply(None, config())
    again = apply(created, config(), now=T2)
    assert again == created  # not even the entry's time moves


def test_reapply_changes_the_image_and_keeps_others_fields() -> None:
    created = apply(None, config())
    # a controller writes status; the scheduler of replicas is someone else
    with_status = record_update(
        created,
        {**created, "status": {"replicas": 2}},
        manager="kube-controller-manager",
        subresource="status",
        now=T1,
    )
    updated = apply(with_status, config(image="nginx:1.26"), now=T2)
    assert updated["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert updated["status"] == {"replicas": 2}
    managers = entries(updated)
    assert managers["kubectl", "Apply"]["time"] == "2024-05-01T13:00:00Z"
    status_entry = managers["kube-controller-manager", "Update"]
    assert status_entry["subresource"] == "status"
    assert status_entry["fieldsV1"] == {"f:status": {"f:replicas": {}}}  # a struct: no "."


def test_conflict_with_client_side_apply_and_force() -> None:
    live = record_update(None, config(), manager="kubectl-client-side-apply", now=T1)
    change = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 3},
    }
    with pytest.raises(ApplyConflictError) as err:
        apply(live, change)
    assert str(err.value) == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: '
        ".spec.replicas"
    )
    assert (err.value.code, err.value.reason) == (409, "Conflict")
    assert err.value.causes == [
        {
            "reason": "FieldManagerConflict",
            "message": 'conflict with "kubectl-client-side-apply" using apps/v1',
            "field": ".spec.replicas",
        }
    ]

    forced = apply(live, change, force=True)
    assert forced["spec"]["replicas"] == 3
    managers = entries(forced)
    assert managers["kubectl", "Apply"]["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in managers["kubectl-client-side-apply", "Update"]["fieldsV1"]["f:spec"]
    # Apply entries sort before Update entries
    assert [e["operation"] for e in forced["metadata"]["managedFields"]] == ["Apply", "Update"]


def test_several_conflicts_are_grouped_by_manager() -> None:
    live = apply(None, config(), manager="alice")
    live = apply(
        live,
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"minReadySeconds": 5},
        },
        manager="bob",
    )
    change = config(image="nginx:2", minReadySeconds=9)
    change["spec"]["replicas"] = 4
    with pytest.raises(ApplyConflictError) as err:
        apply(live, change, manager="carol")
    assert str(err.value) == (
        "Apply failed with 3 conflicts: "
        'conflicts with "alice":\n'
        "- .spec.replicas\n"
        '- .spec.template.spec.containers[name="nginx"].image\n'
        'conflicts with "bob":\n'
        "- .spec.minReadySeconds"
    )
    assert [c.field for c in err.value.conflicts][-1] == ".spec.minReadySeconds"


def test_same_value_is_shared_not_conflicting() -> None:
    live = record_update(None, config(), manager="kubectl-client-side-apply", now=T1)
    same = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 2},
    }
    shared = apply(live, same)
    managers = entries(shared)
    assert managers["kubectl", "Apply"]["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" in managers["kubectl-client-side-apply", "Update"]["fieldsV1"]["f:spec"]


def env_names(obj: dict[str, Any]) -> list[str]:
    return [e["name"] for e in obj["spec"]["template"]["spec"]["containers"][0].get("env", [])]


def test_fields_dropped_from_the_configuration_are_removed() -> None:
    first = apply(None, config(env=[{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]))
    second = apply(first, config(env=[{"name": "A", "value": "1"}]))
    assert env_names(second) == ["A"]
    containers = entries(second)["kubectl", "Apply"]["fieldsV1"]["f:spec"]["f:template"]
    assert 'k:{"name":"B"}' not in str(containers)
    third = apply(
        second, {**config(), "spec": {k: v for k, v in config()["spec"].items() if k != "replicas"}}
    )
    assert "replicas" not in third["spec"]


def test_dropped_fields_stay_while_another_manager_owns_them() -> None:
    both = apply(None, config(env=[{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]))
    # a second applier states B too (same value: co-owned)
    other = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "nginx", "env": [{"name": "B", "value": "2"}]}]}
            }
        },
    }
    co_owned = apply(both, other, manager="helper")
    after = apply(co_owned, config(env=[{"name": "A", "value": "1"}]))
    assert env_names(after) == ["A", "B"]
    helper = entries(after)["helper", "Apply"]["fieldsV1"]
    assert 'k:{"name":"B"}' in str(helper)


def test_two_appliers_own_their_own_labels() -> None:
    def labels(**values: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "c", "labels": values},
        }

    live = apply(None, labels(a="1"), manager="x")
    live = apply(live, labels(b="2"), manager="y")
    assert live["metadata"]["labels"] == {"a": "1", "b": "2"}
    assert entries(live)["x", "Apply"]["fieldsV1"] == {"f:metadata": {"f:labels": {"f:a": {}}}}
    assert entries(live)["y", "Apply"]["fieldsV1"] == {"f:metadata": {"f:labels": {"f:b": {}}}}
    # x gives up label a: it goes; y's label stays
    dropped = apply(
        live, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}, manager="x"
    )
    assert dropped["metadata"]["labels"] == {"b": "2"}
    assert ("x", "Apply") not in entries(dropped)  # owning nothing, it has no entry
    # y changing x's label conflicts with an Apply manager (no "using" in its name)
    with pytest.raises(ApplyConflictError) as err:
        apply(live, labels(a="changed", b="2"), manager="y")
    assert str(err.value).endswith('conflict with "x": .metadata.labels.a')


def test_update_takes_ownership_of_what_it_changes() -> None:
    live = apply(None, config())
    labelled = copy.deepcopy(live)
    labelled["metadata"]["labels"]["app"] = "other"
    labelled["metadata"]["labels"]["tier"] = "fe"
    result = record_update(live, labelled, manager="kubectl-label", now=T2)
    managers = entries(result)
    assert managers["kubectl-label", "Update"]["fieldsV1"] == {
        "f:metadata": {"f:labels": {"f:app": {}, "f:tier": {}}}
    }
    # the applier's only metadata field was the label it lost
    assert "f:metadata" not in managers["kubectl", "Apply"]["fieldsV1"]
    assert managers["kubectl-label", "Update"]["time"] == "2024-05-01T13:00:00Z"


def test_update_removing_a_field_clears_it_from_every_owner() -> None:
    live = apply(None, config())
    without = copy.deepcopy(live)
    del without["spec"]["replicas"]
    result = record_update(live, without, manager="kubectl-edit", now=T2)
    assert "f:replicas" not in entries(result)["kubectl", "Apply"]["fieldsV1"]["f:spec"]
    assert ("kubectl-edit", "Update") not in entries(result)  # it added nothing


def test_create_by_update_owns_maps_and_items() -> None:
    created = record_update(None, config(), manager="kubectl-create", now=T1)
    fields = entries(created)["kubectl-create", "Update"]["fieldsV1"]
    assert fields["f:metadata"] == {"f:labels": {".": {}, "f:app": {}}}
    container = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"nginx"}']
    assert container["."] == {}
    assert set(created["metadata"]) == {"name", "namespace", "labels", "managedFields"}


def test_sets_and_atomic_lists_in_field_sets() -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "finalizers": ["example.com/a", "b"]},
        "data": {"k": "v"},
    }
    fields = entries(apply(None, cm))["kubectl", "Apply"]["fieldsV1"]
    assert fields == {
        "f:data": {"f:k": {}},
        "f:metadata": {"f:finalizers": {'v:"b"': {}, 'v:"example.com/a"': {}}},
    }


def test_ignored_top_level_fields_are_never_owned() -> None:
    cfg = {**config(), "status": {"replicas": 9}}
    result = apply(None, cfg, ignore=[("status",)])
    assert "f:status" not in entries(result)["kubectl", "Apply"]["fieldsV1"]


def test_associative_list_merge_keeps_live_items() -> None:
    live = record_update(None, config(), manager="kubectl-create", now=T1)
    sidecar = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "busybox"}]}}},
    }
    result = apply(live, sidecar, manager="injector")
    names = [c["name"] for c in result["spec"]["template"]["spec"]["containers"]]
    assert names == ["nginx", "sidecar"]


def test_unknown_kinds_use_deduced_semantics() -> None:
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"items": [1, 2], "size": {"cpu": 1}},
    }
    result = apply(None, widget)
    assert entries(result)["kubectl", "Apply"]["fieldsV1"] == {
        "f:spec": {"f:items": {}, "f:size": {"f:cpu": {}}}
    }


@pytest.mark.parametrize(
    ("applied", "kw", "code"),
    [
        ([1], {}, 400),
        ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"managedFields": [{}]}}, {}, 400),
        ({"apiVersion": "v1", "kind": "ConfigMap"}, {"manager": ""}, 422),
        (  # an env element without its key field
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "spec": {"containers": [{"name": "c", "env": [{"value": "x"}]}]},
            },
            {},
            422,
        ),
    ],
)
def test_bad_apply_requests(applied: Any, kw: dict[str, Any], code: int) -> None:
    with pytest.raises(PatchError) as err:
        server_side_apply(None, applied, manager=kw.get("manager", "kubectl"))
    assert err.value.code == code


def test_conflict_names_subresource_managers() -> None:
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n"},
        "status": {"phase": "Running"},
    }
    live = record_update(None, node, manager="kubelet", subresource="status", now=T1)
    with pytest.raises(ApplyConflictError) as err:
        apply(live, {**node, "status": {"phase": "Pending"}}, manager="me")
    assert 'conflict with "kubelet" with subresource "status" using v1: .status.phase' in str(
        err.value
    )


def test_path_strings() -> None:
    assert path_string((("f", "spec"), ("f", "ports"), ("k", '{"port":80,"protocol":"TCP"}'))) == (
        '.spec.ports[port=80,protocol="TCP"]'
    )
    assert path_string((("f", "metadata"), ("f", "finalizers"), ("v", '"a"'))) == (
        '.metadata.finalizers[="a"]'
    )
    assert path_string((("f", "items"), ("i", "3"))) == ".items[3]"


# -- properties ---------------------------------------------------------------------------------

words = st.text(alphabet='ab:.{}"k', min_size=1, max_size=3)
trees = st.recursive(
    st.integers(0, 3) | words,
    lambda inner: (
        st.dictionaries(words, inner, min_size=1, max_size=3) | st.lists(inner, max_size=2)
    ),
    max_leaves=10,
)


@given(st.dictionaries(words, trees, max_size=4))
def test_fields_v1_round_trips(document: dict[str, Any]) -> None:
    paths = field_set(document, UNTYPED)
    assert decode_fields(encode_fields(paths)) == paths


env_lists = st.lists(
    st.builds(
        lambda n, v: {"name": n, "value": v}, st.sampled_from("ABCD"), st.sampled_from("xyz")
    ),
    max_size=4,
    unique_by=lambda e: e["name"],
)


@given(env_lists, env_lists)
def test_reapplying_is_idempotent_and_drops_exactly_what_was_dropped(
    first: list[dict[str, Any]], second: list[dict[str, Any]]
) -> None:
    one = apply(None, config(env=first))
    two = apply(one, config(env=second), now=T2)
    assert sorted(env_names(two)) == sorted(e["name"] for e in second)
    assert apply(two, config(env=second), now=T2) == two
