"""Strategic merge patch: the bodies kubectl sends (notes/kubectl-wire.md §8.2, §8.4, §10),
apimachinery's own strategicpatch test cases restated on real kinds, and the schema facts."""

from __future__ import annotations

import copy
import json
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from microkube_apiserver.patch import (
    PatchError,
    apply_merge_patch,
    apply_strategic_merge_patch,
    schema_for,
)
from microkube_apiserver.patch.facts import atomic_structs, field_facts
from microkube_apiserver.patch.schema import Node, json_fields, node_for_model

from microkube.api import from_dict
from microkube.api.registry import all_kinds


def deployment(**spec: Any) -> dict[str, Any]:
    pod_spec = spec.pop("pod_spec", None) or {
        "containers": [
            {
                "name": "nginx",
                "image": "nginx:1.25",
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
            }
        ]
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec},
            **spec,
        },
    }


def pod_spec_of(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["spec"]["template"]["spec"]


def smp(obj: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    before = copy.deepcopy((obj, patch))
    result = apply_strategic_merge_patch(obj, patch)
    assert (obj, patch) == before, "inputs must not be modified"
    return result


# -- what kubectl sends -------------------------------------------------------------------------


def test_second_client_side_apply_changes_image_and_deletes_env() -> None:
    live = deployment()
    last_applied = json.dumps({"kind": "Deployment"}) + "\n"
    patch = {
        "metadata": {
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": last_applied}
        },
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "nginx"}],
                    "containers": [
                        {
                            "$setElementOrder/env": [{"name": "A"}],
                            "env": [{"$patch": "delete", "name": "B"}],
                            "image": "nginx:1.26",
                            "name": "nginx",
                        }
                    ],
                }
            }
        },
    }
    result = smp(live, patch)
    assert pod_spec_of(result)["containers"] == [
        {"name": "nginx", "image": "nginx:1.26", "env": [{"name": "A", "value": "1"}]}
    ]
    annotations = result["metadata"]["annotations"]
    assert annotations == {"kubectl.kubernetes.io/last-applied-configuration": last_applied}
    assert result["spec"]["replicas"] == 2  # untouched fields stay


def test_apply_removing_a_service_port() -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {
            "clusterIP": "10.96.0.10",
            "ports": [
                {"port": 80, "protocol": "TCP", "targetPort": 80},
                {"port": 443, "protocol": "TCP", "targetPort": 443},
            ],
        },
    }
    patch = {
        "spec": {
            "$setElementOrder/ports": [{"port": 80}],
            "ports": [{"port": 80, "targetPort": 8080}, {"$patch": "delete", "port": 443}],
        }
    }
    result = smp(service, patch)
    assert result["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 8080}]
    assert result["spec"]["clusterIP"] == "10.96.0.10"


def test_set_image_touches_only_the_named_container() -> None:
    live = deployment(
        pod_spec={
            "containers": [
                {"name": "nginx", "image": "nginx:1.25"},
                {"name": "sidecar", "image": "busybox"},
            ]
        }
    )
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}],
                    "containers": [{"image": "nginx:1.26", "name": "nginx"}],
                }
            }
        }
    }
    assert pod_spec_of(smp(live, patch))["containers"] == [
        {"name": "nginx", "image": "nginx:1.26"},
        {"name": "sidecar", "image": "busybox"},
    ]


def test_set_env_adds_in_the_given_order_and_removes() -> None:
    live = deployment()
    added = smp(
        live,
        {
            "spec": {
                "template": {
                    "spec": {
                        "$setElementOrder/containers": [{"name": "nginx"}],
                        "containers": [
                            {
                                "$setElementOrder/env": [
                                    {"name": "A"},
                                    {"name": "C"},
                                    {"name": "B"},
                                ],
                                "env": [{"name": "C", "value": "3"}],
                                "name": "nginx",
                            }
                        ],
                    }
                }
            }
        },
    )
    env = pod_spec_of(added)["containers"][0]["env"]
    assert [e["name"] for e in env] == ["A", "C", "B"]
    removed = smp(
        added,
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {"name": "nginx", "env": [{"$patch": "delete", "name": "A"}]}
                        ]
                    }
                }
            }
        },
    )
    assert [e["name"] for e in pod_spec_of(removed)["containers"][0]["env"]] == ["C", "B"]


def test_rollout_restart_creates_the_template_annotation() -> None:
    stamp = "2024-05-01T12:00:00Z"
    patch = {
        "spec": {
            "template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": stamp}}}
        }
    }
    result = smp(deployment(), patch)
    assert result["spec"]["template"]["metadata"] == {
        "labels": {"app": "web"},
        "annotations": {"kubectl.kubernetes.io/restartedAt": stamp},
    }


def node(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node1"}, "spec": spec}


def test_cordon_and_uncordon() -> None:
    cordoned = smp(node(podCIDR="10.0.1.0/24"), {"spec": {"unschedulable": True}})
    assert cordoned["spec"] == {"podCIDR": "10.0.1.0/24", "unschedulable": True}
    assert smp(cordoned, {"spec": {"unschedulable": None}})["spec"] == {"podCIDR": "10.0.1.0/24"}


def test_taints_have_no_merge_key_so_the_list_is_replaced() -> None:
    live = node(taints=[{"key": "a", "effect": "NoSchedule"}])
    added = smp(
        live,
        {
            "spec": {
                "taints": [
                    {"effect": "NoSchedule", "key": "a"},
                    {"effect": "NoSchedule", "key": "dedicated", "value": "gpu"},
                ]
            }
        },
    )
    assert [t["key"] for t in added["spec"]["taints"]] == ["a", "dedicated"]
    only = smp(live, {"spec": {"taints": [{"effect": "NoExecute", "key": "b"}]}})
    assert only["spec"]["taints"] == [{"effect": "NoExecute", "key": "b"}]
    assert "taints" not in smp(added, {"spec": {"taints": None}})["spec"]


def test_patch_delete_removes_a_container() -> None:
    live = deployment(
        pod_spec={
            "containers": [{"name": "nginx", "image": "n"}, {"name": "sidecar", "image": "s"}]
        }
    )
    patch = {
        "spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}
    }
    assert pod_spec_of(smp(live, patch))["containers"] == [{"name": "nginx", "image": "n"}]


def with_finalizers(*names: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "finalizers": list(names)},
    }


def test_delete_from_primitive_list_finalizers() -> None:
    result = smp(
        with_finalizers("a", "b", "c"), {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}
    )
    assert result["metadata"]["finalizers"] == ["a", "c"]
    # Deleting a value that is not there, or from a list that is not there, adds nothing.
    unchanged = smp(
        with_finalizers("a"), {"metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]}}
    )
    assert unchanged["metadata"]["finalizers"] == ["a"]
    bare = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    assert (
        "finalizers"
        not in smp(bare, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]}})["metadata"]
    )


def test_finalizers_merge_as_a_set() -> None:
    result = smp(with_finalizers("a", "b"), {"metadata": {"finalizers": ["b", "c"]}})
    assert result["metadata"]["finalizers"] == ["a", "b", "c"]
    # A value new to the list lands before the live-only ones, as upstream orders it.
    assert smp(with_finalizers("a", "b"), {"metadata": {"finalizers": ["c"]}})["metadata"][
        "finalizers"
    ] == ["c", "a", "b"]


def test_retain_keys_switches_deployment_strategy_to_recreate() -> None:
    live = deployment(
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    )
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    assert smp(live, patch)["spec"]["strategy"] == {"type": "Recreate"}
    # Without the directive, the union member would linger (what $retainKeys exists to fix).
    lingering = smp(live, {"spec": {"strategy": {"type": "Recreate"}}})
    assert "rollingUpdate" in lingering["spec"]["strategy"]


def test_retain_keys_rejects_patch_keys_outside_the_list() -> None:
    live = deployment(strategy={"type": "RollingUpdate"})
    with pytest.raises(PatchError) as err:
        smp(live, {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}})
    assert err.value.code == 400


def test_retain_keys_inside_volume_elements() -> None:
    live = deployment(
        pod_spec={
            "containers": [{"name": "c"}],
            "volumes": [
                {"name": "data", "hostPath": {"path": "/srv"}},
                {"name": "tmp", "emptyDir": {}},
            ],
        }
    )
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "volumes": [
                        {"name": "data", "$retainKeys": ["emptyDir", "name"], "emptyDir": {}}
                    ]
                }
            }
        }
    }
    assert pod_spec_of(smp(live, patch))["volumes"] == [
        {"name": "data", "emptyDir": {}},
        {"name": "tmp", "emptyDir": {}},
    ]


# -- merge metadata of other fields ---------------------------------------------------------------


def test_node_conditions_merge_by_type() -> None:
    live = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n"},
        "status": {
            "conditions": [
                {"type": "MemoryPressure", "status": "False"},
                {"type": "Ready", "status": "True", "reason": "KubeletReady"},
            ]
        },
    }
    patch = {"status": {"conditions": [{"type": "Ready", "status": "False", "reason": None}]}}
    assert smp(live, patch)["status"]["conditions"] == [
        {"type": "MemoryPressure", "status": "False"},
        {"type": "Ready", "status": "False"},
    ]


@pytest.mark.parametrize(
    ("path", "live", "patch", "expected"),
    [
        (  # ownerReferences merge on uid
            ("metadata", "ownerReferences"),
            [{"uid": "1", "name": "rs-a"}],
            [{"uid": "1", "controller": True}],
            [{"uid": "1", "name": "rs-a", "controller": True}],
        ),
        (  # container ports merge on containerPort
            ("spec", "containers", 0, "ports"),
            [{"containerPort": 80, "name": "http"}],
            [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443}],
            [{"containerPort": 80, "name": "http", "protocol": "TCP"}, {"containerPort": 443}],
        ),
        (  # volumeMounts merge on mountPath
            ("spec", "containers", 0, "volumeMounts"),
            [{"mountPath": "/data", "name": "a"}],
            [{"mountPath": "/data", "readOnly": True}],
            [{"mountPath": "/data", "name": "a", "readOnly": True}],
        ),
        (  # hostAliases merge on ip
            ("spec", "hostAliases"),
            [{"ip": "10.0.0.1", "hostnames": ["a"]}],
            [{"ip": "10.0.0.1", "hostnames": ["b"]}],
            [{"ip": "10.0.0.1", "hostnames": ["b"]}],  # hostnames itself is atomic
        ),
        (  # tolerations have no merge key: replaced
            ("spec", "tolerations"),
            [{"key": "a", "operator": "Exists"}],
            [{"key": "b", "operator": "Exists"}],
            [{"key": "b", "operator": "Exists"}],
        ),
        (  # args are replaced
            ("spec", "containers", 0, "args"),
            ["--a", "--b"],
            ["--c"],
            ["--c"],
        ),
        (  # imagePullSecrets merge on name
            ("spec", "imagePullSecrets"),
            [{"name": "one"}],
            [{"name": "two"}],
            [{"name": "two"}, {"name": "one"}],
        ),
    ],
)
def test_list_merge_keys_of_pods(
    path: tuple[Any, ...], live: Any, patch: Any, expected: Any
) -> None:
    def nest(value: Any) -> dict[str, Any]:
        obj: Any = value
        for step in reversed(path):
            obj = [{"name": "c", **obj}] if step == 0 else {step: obj}
        return obj

    pod = {"apiVersion": "v1", "kind": "Pod", **nest(live)}
    pod.setdefault("metadata", {})["name"] = "p"
    result = smp(pod, nest(patch))
    got: Any = result
    for step in path:
        got = got[step]
    assert got == expected


def test_pdb_selector_has_patch_strategy_replace() -> None:
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "p"},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"a": "1"}}},
    }
    result = smp(pdb, {"spec": {"selector": {"matchLabels": {"b": "2"}}}})
    assert result["spec"] == {"minAvailable": 1, "selector": {"matchLabels": {"b": "2"}}}


def test_fields_missing_from_the_model_merge_like_a_merge_patch() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "extra": {"a": [1], "b": 1},
    }
    assert smp(pod, {"extra": {"a": [2], "b": None}})["extra"] == {"a": [2]}


def test_unknown_kinds_fall_back_to_json_merge_patch() -> None:
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"items": [{"name": "a"}]}}
    patch = {"spec": {"items": [{"name": "b"}], "size": 3}}
    assert smp(widget, patch) == apply_merge_patch(widget, patch)
    assert smp(widget, patch)["spec"] == {"items": [{"name": "b"}], "size": 3}


# -- apimachinery's strategicpatch test cases, on real kinds --------------------------------------


def env_deployment(*env: dict[str, Any]) -> dict[str, Any]:
    return deployment(pod_spec={"containers": [{"name": "c", "env": list(env)}]})


def env_patch(*env: dict[str, Any], **directives: Any) -> dict[str, Any]:
    container = {"name": "c", **directives}
    if env:
        container["env"] = list(env)
    return {"spec": {"template": {"spec": {"containers": [container]}}}}


def env_of(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return pod_spec_of(obj)["containers"][0].get("env")


def e(name: str, value: str | None = None) -> dict[str, Any]:
    return {"name": name} if value is None else {"name": name, "value": value}


def test_preserve_the_order_from_the_patch_in_a_merging_list() -> None:
    live = env_deployment(e("1"), e("2", "b"), e("3"))
    assert env_of(smp(live, env_patch(e("3", "c"), e("1", "a"), {"name": "2", "other": "x"}))) == [
        e("3", "c"),
        e("1", "a"),
        {"name": "2", "value": "b", "other": "x"},
    ]
    assert env_of(smp(live, env_patch(e("3", "c"), e("1", "a")))) == [
        e("2", "b"),
        e("3", "c"),
        e("1", "a"),
    ]


def test_preserve_the_order_from_the_patch_in_a_primitive_list() -> None:
    live = with_finalizers("1", "2", "3")
    assert smp(live, {"metadata": {"finalizers": ["3", "1", "2"]}})["metadata"]["finalizers"] == [
        "3",
        "1",
        "2",
    ]
    assert smp(live, {"metadata": {"finalizers": ["3", "1"]}})["metadata"]["finalizers"] == [
        "2",
        "3",
        "1",
    ]


def test_set_element_order_with_new_and_live_only_items() -> None:
    # upstream "merge lists of maps" (three-way result): live-only values survive in place
    live = env_deployment({"name": "1", "other": "a"}, {"name": "2", "value": "2", "other": "b"})
    patch = env_patch(
        e("4", "4"), e("3", "3"), **{"$setElementOrder/env": [e("4"), e("1"), e("2"), e("3")]}
    )
    assert env_of(smp(live, patch)) == [
        e("4", "4"),
        {"name": "1", "other": "a"},
        {"name": "2", "value": "2", "other": "b"},
        e("3", "3"),
    ]


def test_set_element_order_naming_absent_items_only_reorders() -> None:
    live = env_deployment(e("1"), e("3"))
    patch = env_patch(
        e("3", "3"), e("1", "1"), **{"$setElementOrder/env": [e("3"), e("2"), e("1")]}
    )
    assert env_of(smp(live, patch)) == [e("3", "3"), e("1", "1")]
    primitive = {"metadata": {"$setElementOrder/finalizers": ["3", "2", "1"]}}
    assert smp(with_finalizers("1", "3"), primitive)["metadata"]["finalizers"] == ["3", "1"]


def test_set_element_order_must_match_the_patch_order() -> None:
    live = env_deployment(e("1"), e("3"), e("2"))
    patch = env_patch(
        e("3", "3"), e("1", "1"), **{"$setElementOrder/env": [e("1"), e("2"), e("3")]}
    )
    with pytest.raises(PatchError, match="doesn't match"):
        smp(live, patch)


def test_three_way_primitive_patch_with_order_and_deletions() -> None:
    # upstream "add and delete items in lists of scalars"
    patch = {
        "metadata": {
            "$setElementOrder/finalizers": ["1", "2", "4"],
            "$deleteFromPrimitiveList/finalizers": ["3"],
            "finalizers": ["4"],
        }
    }
    assert smp(with_finalizers("1", "2", "3", "4"), patch)["metadata"]["finalizers"] == [
        "1",
        "2",
        "4",
    ]


def test_missing_merge_key_is_an_error() -> None:
    with pytest.raises(PatchError, match="does not contain declared merge key") as err:
        smp(env_deployment(e("1", "a")), env_patch({"value": "b"}))
    assert err.value.code == 422


def test_nested_patch_into_absent_list_processes_directives() -> None:
    # upstream "nested patch merge with empty list": no directive element survives
    live = deployment(pod_spec={"containers": [{"name": "c"}]})
    patch = env_patch(e("hello"), {"$patch": "delete", "name": "doesntexist"})
    assert env_of(smp(live, patch)) == [e("hello")]


def test_patch_replace_and_delete_directives_on_maps_and_lists() -> None:
    live = deployment()
    labels = {"spec": {"template": {"metadata": {"labels": {"$patch": "replace", "new": "x"}}}}}
    assert smp(live, labels)["spec"]["template"]["metadata"]["labels"] == {"new": "x"}
    gone = {"spec": {"template": {"metadata": {"labels": {"$patch": "delete"}}}}}
    assert smp(live, gone)["spec"]["template"]["metadata"]["labels"] == {}
    replaced = env_patch({"$patch": "replace"}, e("Z", "26"))
    assert env_of(smp(live, replaced)) == [e("Z", "26")]
    emptied = env_patch({"$patch": "replace"})
    assert env_of(smp(live, emptied)) == []


def test_deleting_all_duplicate_entries() -> None:
    live = env_deployment(e("1"), e("1"), e("2", "a"), e("3"), e("3"))
    patch = env_patch({"name": "1", "$patch": "delete"}, {"name": "3", "$patch": "delete"})
    assert env_of(smp(live, patch)) == [e("2", "a")]


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ([{"op": "add"}], 400),  # not an object
        ({"metadata": {"$patch": "frobnicate"}}, 400),
        ({"metadata": {"$setElementOrder/finalizers": "a"}}, 400),
        ({"metadata": {"$deleteFromPrimitiveList/finalizers": "a"}}, 400),
        ({"metadata": {"$retainKeys": "name"}}, 400),
        ({"metadata": {"finalizers": [["a"]]}}, 422),  # lists of lists
        ({"metadata": {"finalizers": ["a", 1]}}, 422),  # mixed element types
        (env_patch({"name": "x", "$patch": "merge"}), 422),
    ],
)
def test_malformed_and_inapplicable_patches(patch: Any, code: int) -> None:
    with pytest.raises(PatchError) as err:
        smp(with_finalizers("a") if "metadata" in str(patch) else env_deployment(e("a")), patch)
    assert err.value.code == code


# -- properties ---------------------------------------------------------------------------------

words = st.text(alphabet="abcxyz", min_size=1, max_size=3)
string_maps = st.dictionaries(words, st.one_of(st.none(), words), max_size=4)


@given(string_maps, string_maps, string_maps, string_maps)
def test_without_lists_strategic_equals_json_merge_patch(
    labels: dict[str, Any], annotations: dict[str, Any], data: dict[str, Any], patch_data: Any
) -> None:
    live = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "labels": {k: v for k, v in labels.items() if v is not None}},
        "data": {k: v for k, v in data.items() if v is not None},
    }
    patch = {"metadata": {"labels": annotations}, "data": patch_data}
    assert smp(live, patch) == apply_merge_patch(live, patch)


env_items = st.lists(
    st.builds(lambda n, v: {"name": n, "value": v}, words, words),
    max_size=5,
    unique_by=lambda x: x["name"],
)


@given(env_items, env_items)
def test_merging_env_by_name_is_idempotent_and_keeps_every_name(
    live_env: list[dict[str, Any]], patch_env: list[dict[str, Any]]
) -> None:
    once = smp(env_deployment(*live_env), env_patch(*patch_env))
    twice = smp(once, env_patch(*patch_env))
    assert env_of(twice) == env_of(once)
    names = [x["name"] for x in env_of(once) or []]
    assert sorted(names) == sorted({x["name"] for x in live_env + patch_env})
    values = {x["name"]: x["value"] for x in env_of(once) or []}
    assert all(values[x["name"]] == x["value"] for x in patch_env)


# -- the schema facts -----------------------------------------------------------------------------


def reachable_models() -> set[type]:
    seen: set[type] = set()
    stack = [node_for_model(cls) for cls in all_kinds().values()]
    while stack:
        node = stack.pop()
        while node.kind in ("list", "map"):
            node = node.element if node.kind == "list" else node.child("any key")
        if node.kind != "struct" or node.model in seen:
            continue
        seen.add(node.model)
        stack.extend(node.child(name) for name in json_fields(node.model))
    return seen


def test_json_names_agree_with_the_strict_converter() -> None:
    for model in reachable_models():
        optional = [a for a in attrs.fields(model) if a.default is None]
        names = [
            n for n, a in zip(json_fields(model), attrs.fields(model), strict=True) if a in optional
        ]
        # Strict decoding refuses unknown fields, so every derived name must be a real one.
        from_dict({name: None for name in names}, model)


def test_every_fact_names_a_field_of_a_fitting_type() -> None:
    for (model, name), facts in field_facts().items():
        parent = node_for_model(model)
        assert name in json_fields(model), f"{model.__name__}.{name} does not exist"
        child = parent.child(name)
        if facts.merge_key or facts.list_type:
            assert child.kind == "list", f"{model.__name__}.{name} is not a list"
        for key in (facts.merge_key, *facts.list_keys):
            if key:
                assert key in json_fields(child.element.model), f"{name}: no key field {key}"
    assert all(attrs.has(cls) for cls in atomic_structs())


@pytest.mark.parametrize(
    ("kind", "path", "strategy", "key", "list_type", "keys"),
    [
        (("v1", "Pod"), ("spec", "containers"), ("merge",), "name", "map", ("name",)),
        (("v1", "Pod"), ("spec", "volumes"), ("merge", "retainKeys"), "name", "map", ("name",)),
        (("v1", "Pod"), ("spec", "tolerations"), (), None, "atomic", ()),
        (
            ("v1", "Pod"),
            ("spec", "topologySpreadConstraints"),
            ("merge",),
            "topologyKey",
            "map",
            ("topologyKey", "whenUnsatisfiable"),
        ),
        (("v1", "Pod"), ("status", "hostIPs"), ("merge",), "ip", "atomic", ()),
        (("v1", "Node"), ("spec", "taints"), (), None, "atomic", ()),
        (("v1", "Node"), ("spec", "podCIDRs"), ("merge",), None, "set", ()),
        (("v1", "Service"), ("spec", "ports"), ("merge",), "port", "map", ("port", "protocol")),
        (("v1", "Endpoints"), ("subsets",), (), None, "atomic", ()),
        (("batch/v1", "Job"), ("status", "conditions"), ("merge",), "type", "atomic", ()),
        (("apps/v1", "Deployment"), ("status", "conditions"), ("merge",), "type", "map", ("type",)),
        (("v1", "ConfigMap"), ("metadata", "finalizers"), ("merge",), None, "set", ()),
        (("v1", "ConfigMap"), ("metadata", "ownerReferences"), ("merge",), "uid", "map", ("uid",)),
    ],
)
def test_metadata_of_well_known_fields(
    kind: tuple[str, str],
    path: tuple[str, ...],
    strategy: tuple[str, ...],
    key: str | None,
    list_type: str,
    keys: tuple[str, ...],
) -> None:
    found = schema_for(*kind)
    assert isinstance(found, Node)
    for step in path:
        found = found.child(step)
    assert (found.patch_strategy, found.merge_key, found.list_type, found.list_keys) == (
        strategy,
        key,
        list_type,
        keys,
    )


def test_atomic_structs_and_maps() -> None:
    pod = schema_for("v1", "Pod")
    assert pod is not None
    assert pod.child("spec").child("nodeSelector").atomic
    assert not pod.child("metadata").child("labels").atomic
    assert pod.child("spec").child("imagePullSecrets").element.atomic  # LocalObjectReference
    deploy = schema_for("apps/v1", "Deployment")
    assert deploy is not None and deploy.child("spec").child("selector").atomic
    assert schema_for("example.com/v1", "Widget") is None
