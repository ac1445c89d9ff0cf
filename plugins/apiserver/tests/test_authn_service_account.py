"""Bound service-account tokens: issued, verified, and revoked with their ServiceAccount or
pod; tampered, expired and foreign tokens are told apart."""

from __future__ import annotations

import base64
import json
import types

import jwt
import pytest
from microkube_apiserver.authn.service_account import ServiceAccountAuthenticator
from microkube_apiserver.authn.tokens import BoundObject, TokenIssuer
from microkube_apiserver.pki import ClusterPki
from microkube_apiserver.store.keys import object_key

from microkube.contracts import FactoryContext
from microkube.contracts.auth import AuthenticationError, AuthRequest
from microkube.plugins import load_plugins

ISSUER = "https://kubernetes.default.svc.cluster.local"


@pytest.fixture
async def storage(tmp_path):
    registry = load_plugins(["microkube.storage"])
    store = registry.select("microkube_storage_backends", "memory")(
        FactoryContext(data_dir=tmp_path)
    )
    await store.start()
    yield store
    await store.close()


@pytest.fixture
def pki(tmp_path):
    return ClusterPki.ensure(tmp_path / "pki", ["localhost"])


def _issuer(pki) -> TokenIssuer:
    return TokenIssuer(pki.sa_key_pem, pki.sa_pub_pem, ISSUER)


async def _put(storage, plural, name, uid, **extra):
    body = {"metadata": {"name": name, "namespace": "ns", "uid": uid, **extra}}
    return await storage.create(object_key("", plural, "ns", name), json.dumps(body).encode())


def _authenticator(pki, storage) -> ServiceAccountAuthenticator:
    auth = ServiceAccountAuthenticator(pki.sa_pub_pem, ISSUER, [ISSUER])
    auth.bind_host(types.SimpleNamespace(storage=storage))
    return auth


def _request(token: str) -> AuthRequest:
    return AuthRequest(headers={"Authorization": f"Bearer {token}"})


async def test_a_bound_token_is_its_service_account_and_pod(pki, storage):
    await _put(storage, "serviceaccounts", "robot", "sa-uid")
    await _put(storage, "pods", "web", "pod-uid")
    issued = _issuer(pki).issue(
        namespace="ns",
        name="robot",
        uid="sa-uid",
        audiences=[ISSUER],
        seconds=3600,
        bound=BoundObject("Pod", "web", "pod-uid", node_name="n1", node_uid="n-uid"),
    )
    header = jwt.get_unverified_header(issued.token)
    assert header["alg"] == "ES256" and header["kid"]
    claims = jwt.decode(issued.token, options={"verify_signature": False})
    assert claims["sub"] == "system:serviceaccount:ns:robot"
    assert claims["kubernetes.io"]["pod"] == {"name": "web", "uid": "pod-uid"}
    user = await _authenticator(pki, storage).authenticate(_request(issued.token))
    assert user.username == "system:serviceaccount:ns:robot"
    assert user.uid == "sa-uid"
    assert user.groups == ("system:serviceaccounts", "system:serviceaccounts:ns")
    assert user.extra["authentication.kubernetes.io/pod-name"] == ("web",)
    assert user.extra["authentication.kubernetes.io/node-name"] == ("n1",)


async def test_deleting_or_recreating_the_bound_objects_revokes(pki, storage):
    auth = _authenticator(pki, storage)
    await _put(storage, "serviceaccounts", "robot", "sa-uid")
    await _put(storage, "pods", "web", "pod-uid")
    issuer = _issuer(pki)
    plain = issuer.issue(
        namespace="ns", name="robot", uid="sa-uid", audiences=[ISSUER], seconds=600
    )
    bound = issuer.issue(
        namespace="ns",
        name="robot",
        uid="sa-uid",
        audiences=[ISSUER],
        seconds=600,
        bound=BoundObject("Pod", "web", "pod-uid"),
    )
    assert await auth.authenticate(_request(bound.token)) is not None
    await storage.delete(object_key("", "pods", "ns", "web"))
    with pytest.raises(AuthenticationError, match="gone"):
        await auth.authenticate(_request(bound.token))
    assert await auth.authenticate(_request(plain.token)) is not None
    await storage.delete(object_key("", "serviceaccounts", "ns", "robot"))
    with pytest.raises(AuthenticationError, match="gone"):
        await auth.authenticate(_request(plain.token))
    await _put(storage, "serviceaccounts", "robot", "another-uid")
    with pytest.raises(AuthenticationError, match="recreated"):
        await auth.authenticate(_request(plain.token))


async def test_tampered_expired_and_wrong_audience_tokens_are_rejected(pki, storage):
    auth = _authenticator(pki, storage)
    await _put(storage, "serviceaccounts", "robot", "sa-uid")
    issuer = _issuer(pki)
    good = issuer.issue(namespace="ns", name="robot", uid="sa-uid", audiences=[ISSUER], seconds=600)
    head, payload, signature = good.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["kubernetes.io"]["serviceaccount"]["name"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(AuthenticationError, match="invalid bearer token"):
        await auth.authenticate(_request(f"{head}.{forged}.{signature}"))
    expired = issuer.issue(
        namespace="ns", name="robot", uid="sa-uid", audiences=[ISSUER], seconds=600, now=1000
    )
    with pytest.raises(AuthenticationError, match="expired"):
        await auth.authenticate(_request(expired.token))
    elsewhere = issuer.issue(
        namespace="ns", name="robot", uid="sa-uid", audiences=["vault"], seconds=600
    )
    with pytest.raises(AuthenticationError, match="invalid bearer token"):
        await auth.authenticate(_request(elsewhere.token))
    other_key = ClusterPki.ensure(pki.directory.parent / "other", ["localhost"])
    foreign = TokenIssuer(other_key.sa_key_pem, other_key.sa_pub_pem, ISSUER).issue(
        namespace="ns", name="robot", uid="sa-uid", audiences=[ISSUER], seconds=600
    )
    with pytest.raises(AuthenticationError, match="invalid bearer token"):
        await auth.authenticate(_request(foreign.token))


async def test_tokens_of_others_are_not_its_business(pki, storage):
    auth = _authenticator(pki, storage)
    assert await auth.authenticate(_request("static-token")) is None
    assert await auth.authenticate(_request("a.b.c")) is None
    other_issuer = TokenIssuer(pki.sa_key_pem, pki.sa_pub_pem, "https://elsewhere")
    token = other_issuer.issue(namespace="ns", name="x", uid="", audiences=["x"], seconds=600)
    assert await auth.authenticate(_request(token.token)) is None
    assert await auth.authenticate(AuthRequest(headers={})) is None
