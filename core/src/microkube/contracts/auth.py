"""The authentication and authorization contracts (the API server's front door).

Authenticators turn a request's credentials into a user (None = "not mine, ask the next one");
authorizers answer allow / deny / no opinion for one request's attributes, as Kubernetes'
union authorizer chain does; audit backends receive the audit Events the API server's policy
keeps, as kube-apiserver's log and webhook backends do.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Protocol, runtime_checkable

import attrs

from microkube.contracts.admission import UserInfo


@attrs.frozen(kw_only=True)
class AuthRequest:
    """What an authenticator may look at. ``peer_certificate`` is the verified TLS client
    certificate as ``ssl.SSLSocket.getpeercert()`` returns it, or None."""

    headers: Mapping[str, str]
    peer_certificate: Mapping[str, Any] | None = None


class AuthenticationError(Exception):
    """Credentials were presented and are invalid (401), as opposed to absent (None)."""


@attrs.frozen(kw_only=True)
class AuthorizationAttributes:
    user: UserInfo
    verb: str
    namespace: str = ""
    api_group: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    resource_request: bool = True
    path: str = ""


class Decision(Enum):
    ALLOW = "allow"
    DENY = "deny"
    NO_OPINION = "no-opinion"


@attrs.frozen
class AuthorizationResult:
    decision: Decision
    reason: str = ""


@runtime_checkable
class Authenticator(Protocol):
    async def authenticate(self, request: AuthRequest) -> UserInfo | None: ...


@runtime_checkable
class Authorizer(Protocol):
    async def authorize(self, attributes: AuthorizationAttributes) -> AuthorizationResult: ...


@runtime_checkable
class AuditBackend(Protocol):
    """Where audit Events go. ``process`` gets each ``audit.k8s.io/v1`` Event (a JSON-shaped
    mapping: stage ``ResponseComplete``, level, user, verb, objectRef, ...) that the policy
    keeps, in the order requests complete; it must not fail the request (the API server logs
    what it raises). Secrets' bodies never reach a backend."""

    async def process(self, event: Mapping[str, Any]) -> None: ...

    async def close(self) -> None:
        """Flush and release what the backend holds (called once, at server stop)."""
