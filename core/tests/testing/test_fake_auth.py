"""The auth fakes: static tokens and allow/deny lists."""

from __future__ import annotations

import pytest

from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import (
    AuthenticationError,
    Authenticator,
    AuthorizationAttributes,
    Authorizer,
    AuthRequest,
    Decision,
)
from microkube.testing.fakes.auth import ListAuthorizer, Rule, StaticTokenAuthenticator

ALICE = UserInfo(username="alice", groups=("dev",))
ADMIN = UserInfo(username="root", groups=("system:masters",))


async def test_static_tokens() -> None:
    auth = StaticTokenAuthenticator({"t0k3n": ALICE})
    assert isinstance(auth, Authenticator)
    assert await auth.authenticate(AuthRequest(headers={"authorization": "Bearer t0k3n"})) == ALICE
    assert await auth.authenticate(AuthRequest(headers={})) is None
    assert await auth.authenticate(AuthRequest(headers={"Authorization": "Basic eDp5"})) is None
    with pytest.raises(AuthenticationError):
        await auth.authenticate(AuthRequest(headers={"Authorization": "Bearer wrong"}))


def attributes(user: UserInfo, verb: str, resource: str, namespace: str = "default", **kw: str):
    return AuthorizationAttributes(
        user=user, verb=verb, resource=resource, namespace=namespace, **kw
    )


async def test_deny_beats_allow_and_default_is_no_opinion() -> None:
    authz = ListAuthorizer(
        allow=[Rule(groups={"dev"}, verbs={"get", "list"}), Rule(groups={"system:masters"})],
        deny=[Rule(users={"alice"}, resources={"secrets"})],
    )
    assert isinstance(authz, Authorizer)
    allowed = await authz.authorize(attributes(ALICE, "get", "pods"))
    assert allowed.decision is Decision.ALLOW
    denied = await authz.authorize(attributes(ALICE, "get", "secrets"))
    assert denied.decision is Decision.DENY
    nothing = await authz.authorize(attributes(ALICE, "delete", "pods"))
    assert nothing.decision is Decision.NO_OPINION
    admin = await authz.authorize(attributes(ADMIN, "delete", "nodes", namespace=""))
    assert admin.decision is Decision.ALLOW


async def test_subresources_and_namespaces_match_exactly() -> None:
    authz = ListAuthorizer(
        allow=[Rule(users={"alice"}, resources={"pods/log"}, namespaces={"team-a"})],
        default=Decision.DENY,
    )
    log = attributes(ALICE, "get", "pods", namespace="team-a", subresource="log")
    assert (await authz.authorize(log)).decision is Decision.ALLOW
    elsewhere = attributes(ALICE, "get", "pods", namespace="team-b", subresource="log")
    assert (await authz.authorize(elsewhere)).decision is Decision.DENY
    pods = attributes(ALICE, "get", "pods", namespace="team-a")
    assert (await authz.authorize(pods)).decision is Decision.DENY
