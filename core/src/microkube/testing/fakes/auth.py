"""Small configurable authn/authz plugins: static bearer tokens, allow/deny lists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import (
    AuthenticationError,
    AuthorizationAttributes,
    AuthorizationResult,
    AuthRequest,
    Decision,
)
from microkube.testing.recording import Recorded, recorded


class StaticTokenAuthenticator(Recorded):
    """Bearer tokens from a fixed table (like ``--token-auth-file``). No ``Authorization:
    Bearer`` header: None (not mine); an unknown token: :class:`AuthenticationError`."""

    def __init__(self, tokens: Mapping[str, UserInfo]) -> None:
        self.tokens = dict(tokens)

    @recorded
    async def authenticate(self, request: AuthRequest) -> UserInfo | None:
        header = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        user = self.tokens.get(token.strip())
        if user is None:
            raise AuthenticationError("invalid bearer token")
        return user


def _matches(allowed: frozenset[str], value: str) -> bool:
    return "*" in allowed or value in allowed


@attrs.frozen(kw_only=True)
class Rule:
    """Who may do what: each field a set of values, ``"*"`` for any. A request matches when
    its user (by name, or one of its groups) and every attribute match."""

    users: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    groups: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    verbs: frozenset[str] = attrs.field(default=frozenset({"*"}), converter=frozenset)
    resources: frozenset[str] = attrs.field(default=frozenset({"*"}), converter=frozenset)
    namespaces: frozenset[str] = attrs.field(default=frozenset({"*"}), converter=frozenset)
    api_groups: frozenset[str] = attrs.field(default=frozenset({"*"}), converter=frozenset)

    def matches(self, attributes: AuthorizationAttributes) -> bool:
        user = attributes.user
        who = _matches(self.users, user.username) or any(
            _matches(self.groups, g) for g in user.groups
        )
        resource = attributes.resource
        if attributes.subresource:
            resource = f"{resource}/{attributes.subresource}"
        return (
            who
            and _matches(self.verbs, attributes.verb)
            and _matches(self.resources, resource)
            and _matches(self.namespaces, attributes.namespace)
            and _matches(self.api_groups, attributes.api_group)
        )


class ListAuthorizer(Recorded):
    """DENY when a ``deny`` rule matches, else ALLOW when an ``allow`` rule matches, else
    ``default`` (NO_OPINION: the next authorizer decides)."""

    def __init__(
        self,
        allow: Iterable[Rule] = (),
        deny: Iterable[Rule] = (),
        *,
        default: Decision = Decision.NO_OPINION,
    ) -> None:
        self.allow = tuple(allow)
        self.deny = tuple(deny)
        self.default = default

    @recorded
    async def authorize(self, attributes: AuthorizationAttributes) -> AuthorizationResult:
        for rule in self.deny:
            if rule.matches(attributes):
                return AuthorizationResult(Decision.DENY, f"denied by {rule}")
        for rule in self.allow:
            if rule.matches(attributes):
                return AuthorizationResult(Decision.ALLOW, f"allowed by {rule}")
        return AuthorizationResult(self.default, "no rule matched")
