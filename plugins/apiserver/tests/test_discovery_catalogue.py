"""The resource catalogue: Kubernetes 1.32 names, scopes, verbs and subresources."""

from __future__ import annotations

import pytest
from microkube_apiserver.discovery.catalogue import (
    DEFAULT_CATALOGUE,
    STANDARD_VERBS,
    Catalogue,
    GroupVersionKind,
    Resource,
    storage_version_hash,
)

from microkube.api import registry

# (apiVersion, plural, short names, namespaced, kind) as `kubectl api-resources` shows them
# against Kubernetes 1.32, for the kinds microkube serves.
KUBERNETES = [
    ("v1", "bindings", (), True, "Binding"),
    ("v1", "configmaps", ("cm",), True, "ConfigMap"),
    ("v1", "endpoints", ("ep",), True, "Endpoints"),
    ("v1", "events", ("ev",), True, "Event"),
    ("v1", "namespaces", ("ns",), False, "Namespace"),
    ("v1", "nodes", ("no",), False, "Node"),
    ("v1", "persistentvolumeclaims", ("pvc",), True, "PersistentVolumeClaim"),
    ("v1", "persistentvolumes", ("pv",), False, "PersistentVolume"),
    ("v1", "pods", ("po",), True, "Pod"),
    ("v1", "secrets", (), True, "Secret"),
    ("v1", "serviceaccounts", ("sa",), True, "ServiceAccount"),
    ("v1", "services", ("svc",), True, "Service"),
    ("apps/v1", "controllerrevisions", (), True, "ControllerRevision"),
    ("apps/v1", "daemonsets", ("ds",), True, "DaemonSet"),
    ("apps/v1", "deployments", ("deploy",), True, "Deployment"),
    ("apps/v1", "replicasets", ("rs",), True, "ReplicaSet"),
    ("apps/v1", "statefulsets", ("sts",), True, "StatefulSet"),
    ("batch/v1", "cronjobs", ("cj",), True, "CronJob"),
    ("batch/v1", "jobs", (), True, "Job"),
    ("coordination.k8s.io/v1", "leases", (), True, "Lease"),
    ("discovery.k8s.io/v1", "endpointslices", (), True, "EndpointSlice"),
    ("events.k8s.io/v1", "events", ("ev",), True, "Event"),
    ("policy/v1", "poddisruptionbudgets", ("pdb",), True, "PodDisruptionBudget"),
    ("rbac.authorization.k8s.io/v1", "clusterrolebindings", (), False, "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1", "clusterroles", (), False, "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "rolebindings", (), True, "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "roles", (), True, "Role"),
    (
        "admissionregistration.k8s.io/v1",
        "mutatingwebhookconfigurations",
        (),
        False,
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "validatingwebhookconfigurations",
        (),
        False,
        "ValidatingWebhookConfiguration",
    ),
    ("authorization.k8s.io/v1", "localsubjectaccessreviews", (), True, "LocalSubjectAccessReview"),
    ("authorization.k8s.io/v1", "selfsubjectaccessreviews", (), False, "SelfSubjectAccessReview"),
    ("authorization.k8s.io/v1", "selfsubjectrulesreviews", (), False, "SelfSubjectRulesReview"),
    ("authorization.k8s.io/v1", "subjectaccessreviews", (), False, "SubjectAccessReview"),
    ("authentication.k8s.io/v1", "selfsubjectreviews", (), False, "SelfSubjectReview"),
    ("autoscaling/v2", "horizontalpodautoscalers", ("hpa",), True, "HorizontalPodAutoscaler"),
    ("autoscaling/v1", "horizontalpodautoscalers", ("hpa",), True, "HorizontalPodAutoscaler"),
    ("scheduling.k8s.io/v1", "priorityclasses", ("pc",), False, "PriorityClass"),
    # metrics-server's aggregated API, served here by the API server itself
    ("metrics.k8s.io/v1beta1", "nodes", (), False, "NodeMetrics"),
    ("metrics.k8s.io/v1beta1", "pods", (), True, "PodMetrics"),
]

# Subresources and their body kinds, as Kubernetes 1.32 serves them (proxy ones excepted).
SUBRESOURCES = {
    "pods": {
        "attach": ("v1", "PodAttachOptions", ("create", "get")),
        "binding": ("v1", "Binding", ("create",)),
        "eviction": ("policy/v1", "Eviction", ("create",)),
        "exec": ("v1", "PodExecOptions", ("create", "get")),
        "log": ("v1", "Pod", ("get",)),
        "portforward": ("v1", "PodPortForwardOptions", ("create", "get")),
        "status": ("v1", "Pod", ("get", "patch", "update")),
    },
    "namespaces": {
        "finalize": ("v1", "Namespace", ("update",)),
        "status": ("v1", "Namespace", ("get", "patch", "update")),
    },
    "serviceaccounts": {"token": ("authentication.k8s.io/v1", "TokenRequest", ("create",))},
    "deployments": {
        "scale": ("autoscaling/v1", "Scale", ("get", "patch", "update")),
        "status": ("apps/v1", "Deployment", ("get", "patch", "update")),
    },
}


def _rows(catalogue: Catalogue) -> list[tuple]:
    return [(r.api_version, r.plural, r.short_names, r.namespaced, r.kind) for r in catalogue]


def test_default_catalogue_is_kubernetes_for_the_served_kinds():
    assert sorted(_rows(DEFAULT_CATALOGUE)) == sorted(KUBERNETES)


def test_categories_all_as_kubernetes():
    in_all = {r.plural for r in DEFAULT_CATALOGUE if "all" in r.categories}
    expected = {"pods", "services", "deployments", "replicasets", "daemonsets"}
    assert in_all == expected | {"statefulsets", "jobs", "cronjobs", "horizontalpodautoscalers"}
    assert all(r.categories in ((), ("all",)) for r in DEFAULT_CATALOGUE)


def test_verbs():
    verbs = {(r.api_version, r.plural): r.verbs for r in DEFAULT_CATALOGUE}
    assert verbs[("v1", "bindings")] == ("create",)
    assert "deletecollection" not in verbs[("v1", "namespaces")]
    # metrics-server's resources are read-only
    assert verbs[("metrics.k8s.io/v1beta1", "nodes")] == ("get", "list")
    assert verbs[("metrics.k8s.io/v1beta1", "pods")] == ("get", "list")
    # reviews are only ever created
    for api_version, plural in verbs:
        if plural.endswith("reviews"):
            assert verbs[(api_version, plural)] == ("create",)
    others = {
        k: v
        for k, v in verbs.items()
        if k[1] not in ("bindings", "namespaces")
        and not k[0].startswith("metrics.k8s.io")
        and not k[1].endswith("reviews")
    }
    assert set(others.values()) == {STANDARD_VERBS}


@pytest.mark.parametrize("plural", sorted(SUBRESOURCES))
def test_subresources_and_their_kinds(plural):
    resource = DEFAULT_CATALOGUE.get("apps" if plural == "deployments" else "", "v1", plural)
    assert resource is not None
    got = {
        s.name: (resource.subresource_gvk(s).api_version, s.kind, s.verbs)
        for s in resource.subresources
    }
    assert got == SUBRESOURCES[plural]


def test_scale_and_status_of_workloads():
    for plural in ("replicasets", "statefulsets"):
        r = DEFAULT_CATALOGUE.get("apps", "v1", plural)
        assert {s.name for s in r.subresources} == {"scale", "status"}
    for group, plural in [("apps", "daemonsets"), ("batch", "jobs"), ("batch", "cronjobs")]:
        assert [s.name for s in DEFAULT_CATALOGUE.get(group, "v1", plural).subresources] == [
            "status"
        ]


def test_every_kind_and_list_has_a_model():
    for r in DEFAULT_CATALOGUE:
        assert registry.kind_for(r.api_version, r.kind)
        if "list" in r.verbs:
            assert registry.kind_for(r.api_version, r.list_kind)


def test_subresource_bodies_without_models_are_only_the_streaming_and_token_ones():
    missing = set()
    for r in DEFAULT_CATALOGUE:
        for s in r.subresources:
            gvk = r.subresource_gvk(s)
            try:
                registry.kind_for(gvk.api_version, gvk.kind)
            except LookupError:
                missing.add(gvk.kind)
    assert missing == {
        "PodAttachOptions",
        "PodExecOptions",
        "PodPortForwardOptions",
        "TokenRequest",
    }


def test_storage_version_hash_is_kubernetes_formula():
    # Values a Kubernetes 1.32 cluster reports in GET /api/v1 and /apis/apps/v1.
    assert storage_version_hash("", "v1", "Pod") == "xPOwRZ+Yhw8="
    assert storage_version_hash("", "v1", "Namespace") == "Q3oi5N2YM8M="
    assert storage_version_hash("apps", "v1", "Deployment") == "8aSe+NMegvE="
    events = DEFAULT_CATALOGUE.get("events.k8s.io", "v1", "events")
    assert (
        events.storage_version_hash
        == DEFAULT_CATALOGUE.get("", "v1", "events").storage_version_hash
    )


def test_group_order_and_lookups():
    assert DEFAULT_CATALOGUE.groups()[0] == "apps"
    assert DEFAULT_CATALOGUE.group_versions()[0] == ("", "v1")
    assert DEFAULT_CATALOGUE.versions("batch") == ["v1"]
    assert DEFAULT_CATALOGUE.for_kind("apps/v1", "Deployment").plural == "deployments"
    assert DEFAULT_CATALOGUE.for_kind("apps/v1", "Pod") is None
    assert DEFAULT_CATALOGUE.get("", "v1", "nope") is None
    plurals = [r.plural for r in DEFAULT_CATALOGUE.in_group_version("", "v1")]
    assert plurals == sorted(plurals)
    assert DEFAULT_CATALOGUE.get("apps", "v1", "deployments").group_resource == "deployments.apps"


def _widget(**kw) -> Resource:
    return Resource(
        group="example.com", version="v1", plural="widgets", singular="widget", kind="Widget",
        namespaced=True, **kw,
    )  # fmt: skip


def test_with_resources_adds_and_replaces_without_touching_the_original():
    bigger = DEFAULT_CATALOGUE.with_resources(_widget())
    assert len(bigger) == len(DEFAULT_CATALOGUE) + 1
    assert bigger.groups()[-1] == "example.com"
    assert DEFAULT_CATALOGUE.get("example.com", "v1", "widgets") is None
    replaced = bigger.with_resources(_widget(short_names=("wd",)))
    assert len(replaced) == len(bigger)
    assert replaced.get("example.com", "v1", "widgets").short_names == ("wd",)


def test_duplicates_are_refused():
    with pytest.raises(ValueError, match="widgets"):
        Catalogue((_widget(), _widget()))


def test_gvk_forms():
    gvk = GroupVersionKind("", "v1", "Pod")
    assert gvk.api_version == "v1"
    assert gvk.to_dict() == {"group": "", "version": "v1", "kind": "Pod"}
    assert GroupVersionKind("apps", "v1", "Deployment").api_version == "apps/v1"
