"""``/openapi/v2``: a Swagger 2.0 JSON document built from the same operations and schemas as
the v3 documents; the protobuf form kubectl asks for is not served (404)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from microkube_apiserver.discovery import DEFAULT_CATALOGUE, DiscoveryEndpoints, OpenAPIV3
from microkube_apiserver.discovery.openapi_v2 import swagger_document, v2_schema

PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def swagger() -> dict[str, Any]:
    return swagger_document(DEFAULT_CATALOGUE)


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method != "parameters":
                yield path, method, op


def test_top_level_shape(swagger):
    assert swagger["swagger"] == "2.0"
    assert swagger["info"] == {"title": "Kubernetes", "version": "v1.32.4"}
    assert set(swagger) == {"swagger", "info", "paths", "definitions"}


def test_every_reference_resolves_to_a_definition(swagger):
    refs = [value for key, value in _walk(swagger) if key == "$ref"]
    assert refs
    for ref in refs:
        assert ref.startswith("#/definitions/"), ref
        assert ref.removeprefix("#/definitions/") in swagger["definitions"], ref


def test_no_openapi_3_constructs_remain(swagger):
    keys = {key for key, _ in _walk(swagger)}
    assert not keys & {"components", "requestBody", "content", "oneOf", "anyOf", "allOf"}


def test_operations_are_swagger_2(swagger):
    ids = []
    for path, method, op in _operations(swagger):
        assert method in METHODS, (path, method)
        ids.append(op["operationId"])
        assert op["x-kubernetes-group-version-kind"].keys() == {"group", "version", "kind"}
        assert op["responses"], (path, method)
        for response in op["responses"].values():
            assert "description" in response
        for param in op.get("parameters", []):
            assert param["in"] in ("query", "path", "body"), param
            if param["in"] == "body":
                assert param["name"] == "body" and param["required"] is True
                assert "schema" in param and "type" not in param
                assert op["consumes"]
            else:
                assert param["type"] in ("string", "integer", "boolean"), param
                assert "schema" not in param
    assert len(ids) == len(set(ids))


def test_path_parameters_are_required_and_declared(swagger):
    for path, item in swagger["paths"].items():
        declared = {p["name"]: p for p in item.get("parameters", []) if p["in"] == "path"}
        templated = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        assert set(declared) == templated, path
        assert all(p["required"] is True and p["type"] == "string" for p in declared.values())


def test_deployment_operations_and_definition(swagger):
    item = swagger["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]
    patch = item["patch"]
    assert patch["operationId"] == "patchAppsV1NamespacedDeployment"
    assert patch["x-kubernetes-action"] == "patch"
    assert patch["x-kubernetes-group-version-kind"] == {
        "group": "apps",
        "version": "v1",
        "kind": "Deployment",
    }
    assert patch["consumes"] == [
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
    ]
    names = [p["name"] for p in patch["parameters"]]
    assert names[0] == "body" and {"dryRun", "fieldManager", "fieldValidation", "force"} <= set(
        names
    )
    assert patch["responses"]["200"]["schema"] == {
        "$ref": "#/definitions/io.k8s.api.apps.v1.Deployment"
    }
    create = swagger["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments"]["post"]
    assert create["consumes"] == ["*/*"]
    assert create["parameters"][0]["schema"] == {
        "$ref": "#/definitions/io.k8s.api.apps.v1.Deployment"
    }
    deployment = swagger["definitions"]["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]
    strategy = swagger["definitions"]["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"]
    assert strategy["$ref"] == "#/definitions/io.k8s.api.apps.v1.DeploymentStrategy"
    assert strategy["x-kubernetes-patch-strategy"] == "retainKeys"
    containers = swagger["definitions"]["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["items"] == {"$ref": "#/definitions/io.k8s.api.core.v1.Container"}
    assert containers["x-kubernetes-patch-merge-key"] == "name"


def test_value_types_use_swagger_2_forms(swagger):
    definitions = swagger["definitions"]
    int_or_string = definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert (int_or_string["type"], int_or_string["format"]) == ("string", "int-or-string")
    assert definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"]["type"] == "string"
    time = definitions["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]
    assert (time["type"], time["format"]) == ("string", "date-time")


def test_built_from_the_v3_documents(swagger):
    v3 = OpenAPIV3(DEFAULT_CATALOGUE)
    v3_operations: dict[tuple[str, str], str] = {}
    v3_schemas: dict[str, Any] = {}
    for key in v3.paths():
        document = v3.document(key)
        for path, method, op in _operations(document):
            v3_operations[(path, method)] = op["operationId"]
        v3_schemas.update(document["components"]["schemas"])
    v2_operations = {(p, m): op["operationId"] for p, m, op in _operations(swagger)}
    assert v2_operations == v3_operations
    assert set(swagger["definitions"]) == set(v3_schemas)
    pod = "io.k8s.api.core.v1.Pod"
    assert swagger["definitions"][pod] == v2_schema(v3_schemas[pod])


def test_endpoint_negotiates_json_and_refuses_protobuf():
    endpoints = DiscoveryEndpoints(DEFAULT_CATALOGUE)
    for accept in ("application/json", "application/json, */*", "*/*", None):
        headers = {"accept": accept} if accept else {}
        answer = endpoints.answer("GET", "/openapi/v2", {}, headers)
        assert answer.status == 200, accept
        assert answer.header("Content-Type") == "application/json"
        assert json.loads(answer.body)["swagger"] == "2.0"
    etag = answer.header("ETag")
    cached = endpoints.answer("GET", "/openapi/v2", {}, {"if-none-match": etag})
    assert cached.status == 304
    refused = endpoints.answer("GET", "/openapi/v2", {}, {"accept": PROTOBUF_V2})
    assert refused.status == 404
    assert json.loads(refused.body)["reason"] == "NotFound"


async def test_served_by_the_api_server(client):
    reply = await client.get("/openapi/v2", headers={"Accept": "application/json"})
    assert reply.status == 200
    assert reply.body["swagger"] == "2.0"
    assert "/api/v1/namespaces/{namespace}/pods" in reply.body["paths"]
    assert "io.k8s.api.core.v1.Pod" in reply.body["definitions"]
    protobuf = await client.get("/openapi/v2", headers={"Accept": PROTOBUF_V2})
    assert protobuf.status == 404
