"""Authorization end to end over HTTP: an in-process server whose front door authenticates
static tokens and authorizes with [node, rbac], with NodeRestriction and the escalation check
on its admission chain; the access reviews answered from the same authorizers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from microkube_apiserver.admission.chain import build_chain
from microkube_apiserver.authn.front_door import FrontDoor
from microkube_apiserver.authn.token_file import TokenFileAuthenticator
from microkube_apiserver.authz.node import NodeAuthorizer
from microkube_apiserver.authz.rbac import RbacAuthorizer
from microkube_apiserver.component import ApiServer
from microkube_apiserver.options import ApiServerOptions

from microkube.contracts import FactoryContext
from microkube.contracts.admission import UserInfo
from microkube.plugins import load_plugins

PODS = "/api/v1/namespaces/default/pods"
RBAC = "/apis/rbac.authorization.k8s.io/v1"
AUTHZ = "/apis/authorization.k8s.io/v1"
USERS = {
    "admin": UserInfo(username="admin", groups=("system:masters",)),
    "viewer": UserInfo(
        username="system:serviceaccount:default:viewer",
        groups=("system:serviceaccounts", "system:serviceaccounts:default"),
    ),
    "node-1": UserInfo(username="system:node:node-1", groups=("system:nodes",)),
    "alice": UserInfo(username="alice"),
}
VIEWER = "system:serviceaccount:default:viewer"


@pytest.fixture
async def secured(tmp_path: Path) -> AsyncIterator[ApiServer]:
    registry = load_plugins(["microkube.storage", "microkube.admission"])
    storage = registry.select("microkube_storage_backends", "memory")(
        FactoryContext(data_dir=tmp_path, options={"progress-interval": 0.1})
    )
    options = ApiServerOptions(port=0, tls=False)
    server = ApiServer(storage, options, build_chain(registry, options, tmp_path))
    server.api.front_door = FrontDoor(
        [TokenFileAuthenticator(USERS)], [NodeAuthorizer(), RbacAuthorizer()]
    )
    await server.start()
    yield server
    await server.stop()


class As:
    """Requests as one token's user."""

    def __init__(self, base: str, session: aiohttp.ClientSession, token: str) -> None:
        self.base, self.session, self.token = base, session, token

    async def __call__(self, method: str, path: str, body=None) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if method == "PATCH":
            headers["Content-Type"] = "application/merge-patch+json"
        async with self.session.request(
            method, self.base + path, json=body, headers=headers
        ) as response:
            return response.status, await response.json(content_type=None)


@pytest.fixture
async def users(secured: ApiServer) -> AsyncIterator[dict[str, As]]:
    async with aiohttp.ClientSession() as session:
        callers = {token: As(secured.url, session, token) for token in USERS}
        admin = callers["admin"]
        binding = {
            "metadata": {"name": "viewer"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "view",
            },
            "subjects": [{"kind": "ServiceAccount", "name": "viewer", "namespace": "default"}],
        }
        assert (await admin("POST", f"{RBAC}/namespaces/default/rolebindings", binding))[0] == 201
        for name, node, secret in (("a", "node-1", "s1"), ("b", "node-2", "s2")):
            assert (
                await admin(
                    "POST",
                    "/api/v1/namespaces/default/secrets",
                    {"metadata": {"name": secret}, "data": {"k": "dg=="}},
                )
            )[0] == 201
            pod = {
                "metadata": {"name": name},
                "spec": {
                    "nodeName": node,
                    "containers": [{"name": "c", "image": "busybox"}],
                    "volumes": [{"name": "s", "secret": {"secretName": secret}}],
                },
            }
            assert (await admin("POST", PODS, pod))[0] == 201
        await asyncio.sleep(0.05)  # the authorizers' indexes follow the store by a watch
        yield callers


async def test_no_credentials_is_401(secured):
    async with aiohttp.ClientSession() as session, session.get(secured.url + PODS) as response:
        assert response.status == 401


async def test_view_can_get_but_not_delete(users):
    viewer = users["viewer"]
    assert (await viewer("GET", f"{PODS}/a"))[0] == 200
    code, status = await viewer("DELETE", f"{PODS}/a")
    assert code == 403
    assert status["reason"] == "Forbidden"
    assert status["message"] == (
        f'pods "a" is forbidden: User "{VIEWER}" cannot delete resource "pods" in API group "" '
        'in the namespace "default"'
    )
    assert (await viewer("GET", "/api/v1/namespaces/kube-system/pods"))[0] == 403
    assert (await viewer("GET", "/api/v1/namespaces/default/secrets/s1"))[0] == 403


async def test_kubelet_reads_only_its_own_pods_secrets(users):
    node = users["node-1"]
    assert (await node("GET", "/api/v1/namespaces/default/secrets/s1"))[0] == 200
    code, status = await node("GET", "/api/v1/namespaces/default/secrets/s2")
    assert code == 403
    assert "no relationship found between node 'node-1' and this object" in status["message"]
    assert (await node("GET", "/api/v1/namespaces/default/secrets"))[0] == 403
    # NodeRestriction: only its own pods' status, only mirror pods
    running = {"status": {"phase": "Running"}}
    assert (await node("PATCH", f"{PODS}/a/status", running))[0] == 200
    code, body = await node("PATCH", f"{PODS}/b/status", running)
    assert (
        code == 403 and "can only update pod status for pods with spec.nodeName" in body["message"]
    )
    code, body = await node(
        "POST",
        PODS,
        {
            "metadata": {"name": "x"},
            "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "busybox"}]},
        },
    )
    assert code == 403 and "can only create mirror pods" in body["message"]


async def test_self_subject_access_review(users):
    viewer = users["viewer"]

    async def can(verb: str) -> bool:
        review = {
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "spec": {
                "resourceAttributes": {"namespace": "default", "verb": verb, "resource": "pods"}
            },
        }
        code, body = await viewer("POST", f"{AUTHZ}/selfsubjectaccessreviews", review)
        assert code == 201, body
        return body["status"]["allowed"]

    assert await can("get") is True
    assert await can("delete") is False


async def test_subject_access_review_needs_permission_and_a_subject(users):
    review = {
        "kind": "SubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "spec": {
            "user": VIEWER,
            "groups": ["system:authenticated"],
            "resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"},
        },
    }
    code, body = await users["admin"]("POST", f"{AUTHZ}/subjectaccessreviews", review)
    assert code == 201 and body["status"]["allowed"] is True
    assert "RBAC: allowed by RoleBinding" in body["status"]["reason"]
    assert (await users["alice"]("POST", f"{AUTHZ}/subjectaccessreviews", review))[0] == 403
    del review["spec"]["user"], review["spec"]["groups"]
    code, body = await users["admin"]("POST", f"{AUTHZ}/subjectaccessreviews", review)
    assert code == 422 and "at least one of user or group" in body["message"]


async def test_rules_review_and_whoami(users):
    review = {
        "kind": "SelfSubjectRulesReview",
        "apiVersion": "authorization.k8s.io/v1",
        "spec": {"namespace": "default"},
    }
    code, body = await users["viewer"]("POST", f"{AUTHZ}/selfsubjectrulesreviews", review)
    assert code == 201
    status = body["status"]
    assert status["incomplete"] is False
    assert any("pods" in r["resources"] and "get" in r["verbs"] for r in status["resourceRules"])
    assert any("/healthz" in r["nonResourceURLs"] for r in status["nonResourceRules"])
    code, body = await users["alice"](
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        {"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1"},
    )
    assert code == 201
    assert body["status"]["userInfo"] == {"username": "alice", "groups": ["system:authenticated"]}
