"""The bearer token of a request's ``Authorization`` header."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["bearer_token"]


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of ``Authorization: Bearer <token>``; None without one (an empty token is
    no token, as in Kubernetes)."""
    value = headers.get("Authorization") or headers.get("authorization")
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None
