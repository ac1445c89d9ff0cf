"""The ``always-allow`` authorizer (kube-apiserver's ``--authorization-mode=AlwaysAllow``)."""

from __future__ import annotations

from microkube.contracts.auth import AuthorizationAttributes, AuthorizationResult, Decision

__all__ = ["AlwaysAllow"]

_ALLOW = AuthorizationResult(Decision.ALLOW)


class AlwaysAllow:
    async def authorize(self, attributes: AuthorizationAttributes) -> AuthorizationResult:
        return _ALLOW
