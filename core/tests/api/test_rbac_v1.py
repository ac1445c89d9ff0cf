"""rbac.authorization.k8s.io/v1: roles, bindings, aggregation; JSON names and strictness."""

from __future__ import annotations

import copy

import pytest

from microkube.api import StructureError, from_dict, kind_for, to_dict
from microkube.api.meta_v1 import LabelSelector, ObjectMeta
from microkube.api.rbac_v1 import (
    KINDS,
    AggregationRule,
    ClusterRole,
    ClusterRoleBinding,
    PolicyRule,
    Role,
    RoleBinding,
    RoleRef,
    Subject,
)

GV = "rbac.authorization.k8s.io/v1"

ROLE = {
    "apiVersion": GV,
    "kind": "Role",
    "metadata": {"name": "pod-reader", "namespace": "default"},
    "rules": [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "watch", "list"]},
        {
            "apiGroups": [""],
            "resources": ["configmaps"],
            "resourceNames": ["my-configmap"],
            "verbs": ["update", "get"],
        },
    ],
}

BINDING = {
    "apiVersion": GV,
    "kind": "RoleBinding",
    "metadata": {"name": "read-pods", "namespace": "default"},
    "subjects": [
        {"kind": "User", "name": "jane", "apiGroup": "rbac.authorization.k8s.io"},
        {"kind": "ServiceAccount", "name": "default", "namespace": "kube-system"},
    ],
    "roleRef": {"kind": "Role", "name": "pod-reader", "apiGroup": "rbac.authorization.k8s.io"},
}


def test_role_fields_are_typed() -> None:
    role = from_dict(ROLE)
    assert isinstance(role, Role)
    assert role.rules[0] == PolicyRule(
        api_groups=[""], resources=["pods"], verbs=["get", "watch", "list"]
    )
    assert role.rules[1].resource_names == ["my-configmap"]


def test_role_binding_fields_are_typed() -> None:
    rb = from_dict(BINDING)
    assert isinstance(rb, RoleBinding)
    assert rb.subjects[0] == Subject(
        kind="User", name="jane", api_group="rbac.authorization.k8s.io"
    )
    assert rb.subjects[1].namespace == "kube-system"
    assert rb.role_ref == RoleRef(
        kind="Role", name="pod-reader", api_group="rbac.authorization.k8s.io"
    )


@pytest.mark.parametrize("data", [ROLE, BINDING], ids=["Role", "RoleBinding"])
def test_round_trips_exactly(data: dict) -> None:
    assert to_dict(from_dict(copy.deepcopy(data))) == data


def test_non_resource_urls_keep_their_initialism() -> None:
    data = {
        "apiVersion": GV,
        "kind": "ClusterRole",
        "metadata": {"name": "healthz-reader"},
        "rules": [{"nonResourceURLs": ["/healthz", "/healthz/*"], "verbs": ["get"]}],
    }
    cr = from_dict(copy.deepcopy(data))
    assert cr.rules[0].non_resource_urls == ["/healthz", "/healthz/*"]
    assert to_dict(cr) == data
    # The derived camelCase spelling is not Kubernetes' name, so it is an unknown field.
    data["rules"][0]["nonResourceUrls"] = data["rules"][0].pop("nonResourceURLs")
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert info.value.unknown_fields == ["rules[0].nonResourceUrls"]


def test_aggregated_cluster_role_keeps_empty_rules() -> None:
    data = {
        "apiVersion": GV,
        "kind": "ClusterRole",
        "metadata": {"name": "monitoring"},
        "aggregationRule": {
            "clusterRoleSelectors": [
                {"matchLabels": {"rbac.example.com/aggregate-to-monitoring": "true"}}
            ]
        },
        "rules": [],
    }
    cr = from_dict(copy.deepcopy(data))
    assert isinstance(cr, ClusterRole)
    selector = cr.aggregation_rule.cluster_role_selectors[0]
    assert selector.match_labels == {"rbac.example.com/aggregate-to-monitoring": "true"}
    assert cr.rules == []
    assert to_dict(cr) == data


def test_cluster_role_binding_built_in_python() -> None:
    crb = ClusterRoleBinding(
        metadata=ObjectMeta(name="read-secrets-global"),
        subjects=[Subject(kind="Group", name="manager", api_group="rbac.authorization.k8s.io")],
        role_ref=RoleRef(
            api_group="rbac.authorization.k8s.io", kind="ClusterRole", name="secret-reader"
        ),
    )
    assert to_dict(crb) == {
        "apiVersion": GV,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "read-secrets-global"},
        "subjects": [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "manager"}],
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "secret-reader",
        },
    }


def test_aggregation_rule_built_in_python() -> None:
    rule = AggregationRule(cluster_role_selectors=[LabelSelector(match_labels={"a": "b"})])
    assert to_dict(rule) == {"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]}


def test_unknown_field_is_rejected_with_its_path() -> None:
    data = copy.deepcopy(BINDING)
    data["roleRef"]["namespace"] = "default"
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert info.value.unknown_fields == ["roleRef.namespace"]


def test_verbs_must_be_a_list_of_strings() -> None:
    data = copy.deepcopy(ROLE)
    data["rules"][0]["verbs"] = "get"
    with pytest.raises(StructureError) as info:
        from_dict(data)
    assert [e.path for e in info.value.errors] == ["$.rules[0].verbs"]


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_every_kind_is_registered_and_writes_its_type_meta(cls: type) -> None:
    assert kind_for(GV, cls.__name__) is cls
    assert to_dict(cls()) == {"apiVersion": GV, "kind": cls.__name__}
