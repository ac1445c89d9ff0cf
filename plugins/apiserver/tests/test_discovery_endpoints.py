"""DiscoveryEndpoints: which paths it answers, with which status, headers and body."""

from __future__ import annotations

import json

import pytest
from microkube_apiserver.discovery import DEFAULT_CATALOGUE, DiscoveryEndpoints, Resource
from microkube_apiserver.discovery.documents import (
    aggregated_discovery,
    api_group_list,
    resource_list,
)

AGGREGATED = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)
V2_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


@pytest.fixture(scope="module")
def endpoints() -> DiscoveryEndpoints:
    return DiscoveryEndpoints(server_address="127.0.0.1:6443")


def _json(answer) -> dict:
    assert answer.header("Content-Type").startswith("application/json")
    return json.loads(answer.body)


@pytest.mark.parametrize("path", ["/version", "/version/"])
def test_version(endpoints, path):
    answer = endpoints.answer("GET", path)
    assert answer.status == 200
    assert _json(answer)["minor"] == "32"


@pytest.mark.parametrize("path", ["/api", "/api/"])
def test_api_aggregated_and_legacy(endpoints, path):
    aggregated = endpoints.answer("GET", path, {}, {"accept": AGGREGATED})
    assert aggregated.status == 200
    assert aggregated.header("Content-Type") == V2_TYPE
    assert aggregated.header("Vary") == "Accept"
    assert json.loads(aggregated.body) == aggregated_discovery(DEFAULT_CATALOGUE, core=True)
    legacy = endpoints.answer("GET", path, {}, {"accept": "application/json, */*"})
    assert legacy.header("Content-Type") == "application/json"
    assert _json(legacy)["serverAddressByClientCIDRs"] == [
        {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}
    ]


def test_apis_by_accept(endpoints):
    beta = endpoints.answer(
        "GET",
        "/apis",
        {},
        {"Accept": "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"},
    )
    assert json.loads(beta.body)["apiVersion"] == "apidiscovery.k8s.io/v2beta1"
    assert "v=v2beta1" in beta.header("Content-Type")
    legacy = endpoints.answer("GET", "/apis", {}, {})
    assert _json(legacy) == api_group_list(DEFAULT_CATALOGUE)


def test_not_acceptable_is_a_status(endpoints):
    answer = endpoints.answer("GET", "/apis", {}, {"accept": "application/yaml"})
    assert answer.status == 406
    body = _json(answer)
    assert (body["kind"], body["reason"], body["code"]) == ("Status", "NotAcceptable", 406)


def test_aggregated_etag_revalidation(endpoints):
    first = endpoints.answer("GET", "/apis", {}, {"accept": AGGREGATED})
    etag = first.header("ETag")
    assert etag.startswith('"')
    again = endpoints.answer("GET", "/apis", {}, {"accept": AGGREGATED, "if-none-match": etag})
    assert (again.status, again.body) == (304, b"")
    other = endpoints.answer("GET", "/apis", {}, {"accept": AGGREGATED, "if-none-match": '"x"'})
    assert other.status == 200


@pytest.mark.parametrize(
    ("path", "group", "version"),
    [("/api/v1", "", "v1"), ("/apis/apps/v1", "apps", "v1"), ("/apis/policy/v1/", "policy", "v1")],
)
def test_resource_lists(endpoints, path, group, version):
    answer = endpoints.answer("GET", path, {}, {"accept": "application/json, */*"})
    assert answer.status == 200
    assert _json(answer) == resource_list(DEFAULT_CATALOGUE, group, version)


def test_api_group(endpoints):
    assert _json(endpoints.answer("GET", "/apis/batch"))["preferredVersion"]["version"] == "v1"


@pytest.mark.parametrize(
    "path", ["/api/v2", "/apis/apps/v2", "/apis/nope", "/openapi/v3/apis/nope/v1"]
)
def test_unknown_documents_are_404_statuses(endpoints, path):
    answer = endpoints.answer("GET", path, {}, {"accept": "application/json"})
    assert answer.status == 404
    body = _json(answer)
    assert (body["kind"], body["reason"], body["code"]) == ("Status", "NotFound", 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/pods",
        "/api/v1/namespaces/default/pods",
        "/apis/apps/v1/deployments",
        "/healthz",
        "/",
        "/openapi",
    ],
)
def test_resource_paths_are_left_to_the_server(endpoints, path):
    assert endpoints.answer("GET", path) is None


def test_writes_are_refused(endpoints):
    answer = endpoints.answer("POST", "/api/v1", {}, {})
    assert answer.status == 405
    assert _json(answer)["reason"] == "MethodNotAllowed"
    assert endpoints.answer("HEAD", "/version").status == 200


def test_openapi_index_and_documents(endpoints):
    index = _json(endpoints.answer("GET", "/openapi/v3"))
    url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
    path, _, query = url.partition("?")
    digest = query.removeprefix("hash=")
    cached = endpoints.answer("GET", path, {"hash": [digest]}, {"accept": "application/json"})
    assert cached.status == 200
    assert "immutable" in cached.header("Cache-Control")
    assert cached.header("ETag") == f'"{digest}"'
    assert _json(cached)["openapi"] == "3.0.0"
    stale = endpoints.answer("GET", path, {"hash": "0"}, {})
    assert "immutable" not in stale.header("Cache-Control")
    unchanged = endpoints.answer("GET", path, {}, {"if-none-match": f'"{digest}"'})
    assert unchanged.status == 304


def test_a_new_catalogue_gets_new_hashes():
    widget = Resource(
        group="apps", version="v1", plural="widgets", singular="widget", kind="Widget",
        namespaced=True,
    )  # fmt: skip
    before = DiscoveryEndpoints().openapi.index()["paths"]
    after = DiscoveryEndpoints(DEFAULT_CATALOGUE.with_resources(widget)).openapi.index()["paths"]
    assert before["api/v1"] == after["api/v1"]
    assert before["apis/apps/v1"] != after["apis/apps/v1"]
