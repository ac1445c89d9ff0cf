"""Client-certificate authentication: CN is the user, each O a group.

The TLS layer has already verified the certificate against the cluster CA (the server asks
for client certificates with ``CERT_OPTIONAL``); a request without one is not this
authenticator's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import AuthenticationError, AuthRequest

__all__ = ["X509Authenticator", "subject_user"]


def subject_user(peer_certificate: Mapping[str, Any]) -> UserInfo:
    """The user of a certificate as ``ssl`` parses it (``getpeercert()``)."""
    common_name = ""
    groups: list[str] = []
    for rdn in peer_certificate.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                common_name = value
            elif key == "organizationName":
                groups.append(value)
    if not common_name:
        raise AuthenticationError("the client certificate has no common name")
    return UserInfo(username=common_name, groups=tuple(groups))


class X509Authenticator:
    async def authenticate(self, request: AuthRequest) -> UserInfo | None:
        if not request.peer_certificate:
            return None
        return subject_user(request.peer_certificate)
