"""The API server's front door: who is asking (the authenticators, in order) and may they
(the authorizers, in order), as kube-apiserver's union authenticator and authorizer.

Authentication: the first authenticator returning a user wins; one raising
:class:`AuthenticationError` ends it (401). A request that presented credentials nobody
accepted is 401 too; one that presented none is ``system:anonymous`` if anonymous access is
on, else 401. Authenticated users get ``system:authenticated``.

Authorization: the first ALLOW or DENY decides; NO_OPINION passes on; nobody deciding denies,
with the reasons the authorizers gave joined by newlines (Kubernetes' union authorizer).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import (
    AuthenticationError,
    Authenticator,
    AuthorizationAttributes,
    AuthorizationResult,
    Authorizer,
    AuthRequest,
    Decision,
)
from microkube_apiserver.authn.users import ANONYMOUS, authenticated

__all__ = ["FrontDoor", "Unauthenticated"]

log = logging.getLogger(__name__)


class Unauthenticated(Exception):
    """The request is 401; the text says why (for the log, never for the client)."""


class FrontDoor:
    def __init__(
        self,
        authenticators: Sequence[Authenticator],
        authorizers: Sequence[Authorizer],
        *,
        anonymous: bool = False,
    ) -> None:
        self.authenticators = tuple(authenticators)
        self.authorizers = tuple(authorizers)
        self.anonymous = anonymous

    def bind(self, host: Any) -> None:
        """Hand the server (``storage``, ``options``) to those that implement ``bind_host``."""
        for part in (*self.authenticators, *self.authorizers):
            bind = getattr(part, "bind_host", None)
            if callable(bind):
                bind(host)

    async def close(self) -> None:
        for part in (*self.authenticators, *self.authorizers):
            close = getattr(part, "close", None)
            if callable(close):
                try:
                    await close()
                except Exception:
                    log.exception("%s failed to close", type(part).__name__)

    async def authenticate(
        self, headers: Mapping[str, str], peer_certificate: Mapping[str, Any] | None
    ) -> UserInfo:
        request = AuthRequest(headers=headers, peer_certificate=peer_certificate or None)
        for authenticator in self.authenticators:
            try:
                user = await authenticator.authenticate(request)
            except AuthenticationError as exc:
                raise Unauthenticated(str(exc)) from None
            if user is not None:
                return authenticated(user)
        if headers.get("Authorization"):
            raise Unauthenticated("no authenticator accepted the credentials")
        if self.anonymous:
            return ANONYMOUS
        raise Unauthenticated("no credentials and anonymous access is off")

    async def authorize(self, attributes: AuthorizationAttributes) -> AuthorizationResult:
        reasons = []
        for authorizer in self.authorizers:
            result = await authorizer.authorize(attributes)
            if result.decision is not Decision.NO_OPINION:
                return result
            if result.reason:
                reasons.append(result.reason)
        return AuthorizationResult(Decision.NO_OPINION, "\n".join(reasons))
