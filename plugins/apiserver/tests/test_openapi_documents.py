"""OpenAPI v3 documents per group-version and their index (kubectl-wire.md §5)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from microkube_apiserver.discovery.catalogue import DEFAULT_CATALOGUE, Resource
from microkube_apiserver.discovery.openapi import (
    PATCH_CONTENT_TYPES,
    OpenAPIV3,
    group_version_document,
    gv_path,
)


@pytest.fixture(scope="module")
def openapi() -> OpenAPIV3:
    return OpenAPIV3(DEFAULT_CATALOGUE)


def _operations(document: dict[str, Any]):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method != "parameters":
                yield path, method, op


def _kubectl_patch_lookup(document: dict[str, Any], gvk: dict[str, str]) -> dict | None:
    """What kubectl looks for before `apply`: a PATCH op of the GVK with `fieldValidation`."""
    for _, method, op in _operations(document):
        params = {p["name"] for p in op.get("parameters", [])}
        tagged = op.get("x-kubernetes-group-version-kind") == gvk
        if method == "patch" and tagged and "fieldValidation" in params:
            return op
    return None


def test_index_lists_every_group_version_with_its_hash(openapi):
    index = openapi.index()
    expected = [gv_path(g, v) for g, v in DEFAULT_CATALOGUE.group_versions()]
    assert list(index["paths"]) == expected
    assert expected[:2] == ["api/v1", "apis/apps/v1"]
    for path, entry in index["paths"].items():
        body = openapi.document_bytes(path)
        digest = hashlib.sha512(body).hexdigest().upper()
        assert entry == {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}


def test_documents_are_stable(openapi):
    again = OpenAPIV3(DEFAULT_CATALOGUE)
    for path in openapi.paths():
        assert again.hash(path) == openapi.hash(path)
    assert openapi.document_bytes("/apis/apps/v1/") == openapi.document_bytes("apis/apps/v1")
    assert openapi.document("apis/nope/v1") is None
    assert openapi.hash("api/v2") is None
    assert group_version_document(DEFAULT_CATALOGUE, "nope", "v1") is None


@pytest.mark.parametrize("resource", list(DEFAULT_CATALOGUE), ids=lambda r: r.group_resource)
def test_kubectl_finds_a_patch_operation_per_kind(openapi, resource: Resource):
    document = openapi.document(gv_path(resource.group, resource.version))
    assert document["openapi"] == "3.0.0"
    op = _kubectl_patch_lookup(document, resource.gvk.to_dict())
    if "patch" not in resource.verbs:
        assert op is None
        return
    assert op is not None
    assert set(op["requestBody"]["content"]) == set(PATCH_CONTENT_TYPES)
    assert "application/strategic-merge-patch+json" in op["requestBody"]["content"]
    # the schema of the kind is in the same document, tagged with its GVK
    schemas = document["components"]["schemas"]
    tagged = [
        s
        for s in schemas.values()
        if resource.gvk.to_dict() in s.get("x-kubernetes-group-version-kind", [])
    ]
    assert len(tagged) == 1


def test_every_reference_resolves_within_its_document(openapi):
    for path in openapi.paths():
        text = openapi.document_bytes(path).decode()
        schemas = json.loads(text)["components"]["schemas"]
        refs = {chunk.split('"', 1)[0] for chunk in text.split('"$ref":"#/components/schemas/')[1:]}
        assert refs, path
        assert refs <= set(schemas), (path, refs - set(schemas))


def test_cross_group_schemas_are_included(openapi):
    schemas = openapi.document("apis/apps/v1")["components"]["schemas"]
    for name in (
        "io.k8s.api.core.v1.PodTemplateSpec",
        "io.k8s.api.core.v1.Container",
        "io.k8s.api.autoscaling.v1.Scale",
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
    ):
        assert name in schemas
    assert "io.k8s.api.core.v1.Pod" not in schemas  # only what apps/v1 reaches


def test_paths_by_scope(openapi):
    core = openapi.document("api/v1")["paths"]
    assert set(core["/api/v1/nodes/{name}"]) >= {"get", "put", "patch", "delete", "parameters"}
    assert [p["name"] for p in core["/api/v1/nodes/{name}"]["parameters"]] == ["name", "pretty"]
    pod = core["/api/v1/namespaces/{namespace}/pods/{name}"]
    assert [p["name"] for p in pod["parameters"]] == ["name", "namespace", "pretty"]
    assert set(core["/api/v1/namespaces/{namespace}/pods"]) == {
        "get",
        "post",
        "delete",
        "parameters",
    }
    assert set(core["/api/v1/pods"]) == {"get", "parameters"}
    assert "delete" not in core["/api/v1/namespaces"]  # no deletecollection of namespaces
    assert set(core["/api/v1/namespaces/{namespace}/bindings"]) == {"post", "parameters"}
    assert "/api/v1/namespaces/{namespace}/bindings/{name}" not in core


def _op(document: dict, path: str, method: str) -> dict:
    return document["paths"][path][method]


def test_operation_ids_and_tags_follow_kubernetes(openapi):
    core = openapi.document("api/v1")
    ids = {op["operationId"] for _, _, op in _operations(core)}
    assert {
        "listCoreV1NamespacedPod",
        "createCoreV1NamespacedPod",
        "readCoreV1NamespacedPod",
        "replaceCoreV1NamespacedPod",
        "patchCoreV1NamespacedPod",
        "deleteCoreV1NamespacedPod",
        "deleteCoreV1CollectionNamespacedPod",
        "listCoreV1PodForAllNamespaces",
        "readCoreV1NamespacedPodStatus",
        "readCoreV1NamespacedPodLog",
        "createCoreV1NamespacedPodEviction",
        "createCoreV1NamespacedPodBinding",
        "connectCoreV1GetNamespacedPodExec",
        "connectCoreV1PostNamespacedPodPortforward",
        "createCoreV1NamespacedServiceAccountToken",
        "replaceCoreV1NamespaceFinalize",
        "patchCoreV1Node",
    } <= ids
    all_ops = list(_operations(core))
    assert len({op["operationId"] for _, _, op in all_ops}) == len(all_ops)
    assert {tuple(op["tags"]) for _, _, op in all_ops} == {("core_v1",)}
    apps = openapi.document("apis/apps/v1")
    assert (
        _op(apps, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch")["operationId"]
        == "patchAppsV1NamespacedDeployment"
    )
    rbac = openapi.document("apis/rbac.authorization.k8s.io/v1")
    op = _op(rbac, "/apis/rbac.authorization.k8s.io/v1/clusterroles", "get")
    assert (op["operationId"], op["tags"]) == (
        "listRbacAuthorizationV1ClusterRole",
        ["rbacAuthorization_v1"],
    )


def test_subresource_operations(openapi):
    core = openapi.document("api/v1")
    base = "/api/v1/namespaces/{namespace}/pods/{name}"
    eviction = _op(core, f"{base}/eviction", "post")
    assert eviction["x-kubernetes-group-version-kind"] == {
        "group": "policy",
        "version": "v1",
        "kind": "Eviction",
    }
    assert eviction["requestBody"]["content"]["*/*"]["schema"] == {
        "$ref": "#/components/schemas/io.k8s.api.policy.v1.Eviction"
    }
    status = _op(core, f"{base}/status", "patch")
    assert status["x-kubernetes-group-version-kind"]["kind"] == "Pod"
    assert set(status["requestBody"]["content"]) == set(PATCH_CONTENT_TYPES)
    log = _op(core, f"{base}/log", "get")
    assert log["responses"]["200"]["content"] == {"*/*": {"schema": {"type": "string"}}}
    exec_op = _op(core, f"{base}/exec", "get")
    assert exec_op["x-kubernetes-action"] == "connect"
    assert "requestBody" not in exec_op
    apps = openapi.document("apis/apps/v1")
    scale = _op(apps, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "patch")
    assert scale["x-kubernetes-group-version-kind"] == {
        "group": "autoscaling",
        "version": "v1",
        "kind": "Scale",
    }
    assert scale["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/io.k8s.api.autoscaling.v1.Scale"
    }


def test_write_operations_take_kubectl_parameters(openapi):
    apps = openapi.document("apis/apps/v1")
    item = "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"
    names = {m: [p["name"] for p in _op(apps, item, m)["parameters"]] for m in ("put", "patch")}
    assert names["patch"] == ["dryRun", "fieldManager", "fieldValidation", "force"]
    assert names["put"] == ["dryRun", "fieldManager", "fieldValidation"]
    create = _op(apps, "/apis/apps/v1/namespaces/{namespace}/deployments", "post")
    assert [p["name"] for p in create["parameters"]] == [
        "dryRun",
        "fieldManager",
        "fieldValidation",
    ]
    assert set(create["responses"]) == {"200", "201", "202", "401"}
    listing = _op(apps, "/apis/apps/v1/namespaces/{namespace}/deployments", "get")
    assert {"labelSelector", "fieldSelector", "watch", "limit", "continue"} <= {
        p["name"] for p in listing["parameters"]
    }
    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentList"
    }


def test_kinds_without_models_still_get_operations():
    widget = Resource(
        group="example.com", version="v1", plural="widgets", singular="widget", kind="Widget",
        namespaced=False,
    )  # fmt: skip
    document = group_version_document(DEFAULT_CATALOGUE.with_resources(widget), "example.com", "v1")
    op = _kubectl_patch_lookup(
        document, {"group": "example.com", "version": "v1", "kind": "Widget"}
    )
    assert op is not None
    get = _op(document, "/apis/example.com/v1/widgets/{name}", "get")
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {"type": "object"}
