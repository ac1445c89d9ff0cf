"""The front door: authenticators in order, anonymous access, ``system:authenticated``, and
the authorizer chain's first decision."""

from __future__ import annotations

import pytest
from microkube_apiserver.authn.always_allow import AlwaysAllow
from microkube_apiserver.authn.front_door import FrontDoor, Unauthenticated
from microkube_apiserver.authn.x509 import X509Authenticator

from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import (
    AuthenticationError,
    AuthorizationAttributes,
    AuthorizationResult,
    Decision,
)

ADMIN_CERT = {"subject": ((("organizationName", "system:masters"),), (("commonName", "root"),))}


class Refusing:
    async def authenticate(self, request):
        if request.headers.get("Authorization") == "Bearer revoked":
            raise AuthenticationError("revoked")
        return None


class Fixed:
    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        self.asked = 0

    async def authorize(self, attributes):
        self.asked += 1
        return AuthorizationResult(self.decision, "because")


async def test_certificates_tokens_and_anonymous():
    door = FrontDoor([X509Authenticator(), Refusing()], [AlwaysAllow()])
    user = await door.authenticate({}, ADMIN_CERT)
    assert user == UserInfo(username="root", groups=("system:masters", "system:authenticated"))
    with pytest.raises(Unauthenticated, match="anonymous access is off"):
        await door.authenticate({}, None)
    with pytest.raises(Unauthenticated, match="revoked"):
        await door.authenticate({"Authorization": "Bearer revoked"}, None)
    with pytest.raises(Unauthenticated, match="no authenticator accepted"):
        await door.authenticate({"Authorization": "Bearer unknown"}, None)
    open_door = FrontDoor([Refusing()], [], anonymous=True)
    anonymous = await open_door.authenticate({}, None)
    assert anonymous.username == "system:anonymous"
    assert anonymous.groups == ("system:unauthenticated",)
    with pytest.raises(Unauthenticated):  # bad credentials never fall back to anonymous
        await open_door.authenticate({"Authorization": "Bearer unknown"}, None)


async def test_first_decision_wins_and_no_decision_denies():
    attributes = AuthorizationAttributes(user=UserInfo(username="u"), verb="get")
    undecided, deny, allow = Fixed(Decision.NO_OPINION), Fixed(Decision.DENY), Fixed(Decision.ALLOW)
    door = FrontDoor([], [undecided, deny, allow])
    result = await door.authorize(attributes)
    assert result.decision is Decision.DENY and (undecided.asked, allow.asked) == (1, 0)
    unsure = await FrontDoor([], [undecided, undecided]).authorize(attributes)
    assert (unsure.decision, unsure.reason) == (Decision.NO_OPINION, "because\nbecause")
    assert (await FrontDoor([], [undecided, allow]).authorize(attributes)).decision is (
        Decision.ALLOW
    )
