"""The request handler's auth step: 401 before anything, the authorizer asked with
Kubernetes' RequestInfo attributes, 403 in Kubernetes' words, the user handed to admission;
health checks and /version open to all."""

from __future__ import annotations

import aiohttp
import pytest
from microkube_apiserver.admission.chain import AdmissionChain
from microkube_apiserver.authn.front_door import FrontDoor
from microkube_apiserver.authn.security import ServerSecurity
from microkube_apiserver.authn.token_file import TokenFileAuthenticator
from microkube_apiserver.authn.tokens import TokenIssuer
from microkube_apiserver.component import ApiServer
from microkube_apiserver.options import ApiServerOptions
from microkube_apiserver.pki import ClusterPki

from microkube.contracts import FactoryContext
from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import AuthorizationResult, Decision
from microkube.plugins import load_plugins

ALICE = {"Authorization": "Bearer alice-token"}


class Recorder:
    """Allows everything but writes to ``forbidden-*`` names and non-resource ``/apis``."""

    def __init__(self) -> None:
        self.seen = []

    async def authorize(self, attributes):
        self.seen.append(attributes)
        if attributes.name.startswith("forbidden") or attributes.path == "/apis":
            return AuthorizationResult(Decision.DENY)
        if attributes.resource == "nodes" and attributes.verb == "list":
            return AuthorizationResult(Decision.NO_OPINION, 'no opinion on "nodes"')
        return AuthorizationResult(Decision.ALLOW)


class UserOfWrites:
    name = "UserOfWrites"

    def __init__(self) -> None:
        self.users = []

    def handles(self, request):
        return True

    async def validate(self, request):
        self.users.append(request.user)


@pytest.fixture
async def secured(tmp_path):
    registry = load_plugins(["microkube.storage"])
    storage = registry.select("microkube_storage_backends", "memory")(
        FactoryContext(data_dir=tmp_path)
    )
    pki = ClusterPki.ensure(tmp_path / "pki", ["localhost"])
    authorizer, admission = Recorder(), UserOfWrites()
    users = {"alice-token": UserInfo(username="alice", uid="7", groups=("dev",))}
    security = ServerSecurity(
        pki=pki,
        front_door=FrontDoor([TokenFileAuthenticator(users)], [authorizer]),
        token_issuer=TokenIssuer(pki.sa_key_pem, pki.sa_pub_pem, "https://issuer"),
        ssl_context=None,
    )
    server = ApiServer(
        storage, ApiServerOptions(port=0), AdmissionChain([admission]), security=security
    )
    await server.start()
    admission.users.clear()  # the server's own bootstrap writes
    async with aiohttp.ClientSession() as session:
        yield server.url, session, authorizer, admission
    await server.stop()


async def _call(session, method, url, **kwargs):
    async with session.request(method, url, **kwargs) as response:
        return response.status, await response.json(content_type=None)


async def test_no_or_wrong_credentials_are_401_before_anything(secured):
    url, session, authorizer, admission = secured
    cm = {"metadata": {"name": "x"}}
    for headers in ({}, {"Authorization": "Bearer nope"}):
        status, body = await _call(
            session, "POST", f"{url}/api/v1/namespaces/default/configmaps", json=cm, headers=headers
        )
        assert status == 401
        assert body == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "Unauthorized",
            "reason": "Unauthorized",
            "code": 401,
        }
    assert authorizer.seen == [] and admission.users == []
    for path in ("/healthz", "/readyz", "/livez", "/version", "/version/"):
        async with session.get(url + path) as response:
            assert response.status == 200, path


async def test_forbidden_messages_as_kubernetes_words_them(secured):
    url, session, _, _ = secured
    status, body = await _call(
        session, "GET", f"{url}/api/v1/namespaces/default/pods/forbidden-pod", headers=ALICE
    )
    assert status == 403
    assert body["reason"] == "Forbidden"
    assert body["message"] == (
        'pods "forbidden-pod" is forbidden: User "alice" cannot get resource "pods" '
        'in API group "" in the namespace "default"'
    )
    assert body["details"] == {"name": "forbidden-pod", "kind": "pods"}
    status, body = await _call(
        session,
        "DELETE",
        f"{url}/apis/apps/v1/namespaces/ns1/deployments/forbidden-web",
        headers=ALICE,
    )
    assert body["message"] == (
        'deployments.apps "forbidden-web" is forbidden: User "alice" cannot delete resource '
        '"deployments" in API group "apps" in the namespace "ns1"'
    )
    assert body["details"] == {"name": "forbidden-web", "group": "apps", "kind": "deployments"}
    status, body = await _call(
        session,
        "POST",
        f"{url}/api/v1/namespaces/default/pods/forbidden-pod/exec?command=ls",
        headers=ALICE,
    )
    assert status == 403 and body["message"].endswith(
        'cannot create resource "pods/exec" in API group "" in the namespace "default"'
    )
    status, body = await _call(session, "GET", f"{url}/api/v1/nodes", headers=ALICE)
    assert status == 403 and body["message"] == (
        'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" '
        'at the cluster scope: no opinion on "nodes"'
    )
    status, body = await _call(session, "GET", f"{url}/apis", headers=ALICE)
    assert status == 403
    assert body["message"] == 'forbidden: User "alice" cannot get path "/apis"'


async def test_attributes_are_requestinfo_and_admission_gets_the_user(secured):
    url, session, authorizer, admission = secured
    base = f"{url}/api/v1/namespaces/default/configmaps"
    requests = [
        ("POST", base, {"json": {"metadata": {"name": "a"}}}),
        ("GET", base, {}),
        ("GET", base + "?watch=true", {}),
        ("GET", f"{url}/api/v1/watch/namespaces/default/configmaps", {}),
        ("GET", base + "/a", {}),
        (
            "PATCH",
            base + "/a",
            {
                "data": b'{"data":{"k":"v"}}',
                "headers": {"Content-Type": "application/merge-patch+json"},
            },
        ),
        ("DELETE", base + "/a", {}),
        ("DELETE", base, {}),
        ("GET", f"{url}/api/v1/namespaces/kube-system", {}),
        ("GET", f"{url}/api", {}),
    ]
    for method, target, kwargs in requests:
        headers = {**ALICE, **kwargs.pop("headers", {})}
        async with session.request(method, target, headers=headers, **kwargs) as response:
            assert response.status < 300, (method, target, await response.text())
            if "watch" not in target:  # a watch is left at its headers (closed on exit)
                await response.read()
    seen = [(a.verb, a.resource, a.namespace, a.name, a.resource_request) for a in authorizer.seen]
    assert seen == [
        ("create", "configmaps", "default", "", True),
        ("list", "configmaps", "default", "", True),
        ("watch", "configmaps", "default", "", True),
        ("watch", "configmaps", "default", "", True),
        ("get", "configmaps", "default", "a", True),
        ("patch", "configmaps", "default", "a", True),
        ("delete", "configmaps", "default", "a", True),
        ("deletecollection", "configmaps", "default", "", True),
        ("get", "namespaces", "kube-system", "kube-system", True),
        ("get", "", "", "", False),
    ]
    assert authorizer.seen[-1].path == "/api"
    alice = UserInfo(username="alice", uid="7", groups=("dev", "system:authenticated"))
    assert admission.users and all(user == alice for user in admission.users)
