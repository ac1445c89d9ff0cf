"""Bound service-account tokens: JWTs signed by the cluster's service-account key (ES256),
with the claims kube-apiserver puts in them (``pkg/serviceaccount/claims.go``)::

    {"iss": <issuer>, "sub": "system:serviceaccount:<ns>:<name>", "aud": [...],
     "iat": ..., "nbf": ..., "exp": ..., "jti": <uuid>,
     "kubernetes.io": {"namespace": <ns>, "serviceaccount": {"name", "uid"},
                       "pod": {"name", "uid"}, "node": {"name", "uid"}}}
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Sequence
from typing import Any

import attrs
import jwt
from cryptography.hazmat.primitives import serialization

__all__ = ["ALGORITHM", "BoundObject", "IssuedToken", "TokenIssuer", "key_id"]

ALGORITHM = "ES256"


def key_id(public_pem: bytes) -> str:
    """kube-apiserver's ``kid``: base64url of the SHA-256 of the public key's DER."""
    public = serialization.load_pem_public_key(public_pem)
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


@attrs.frozen
class BoundObject:
    """What a token is bound to besides its ServiceAccount (``kind`` Pod or Secret)."""

    kind: str
    name: str
    uid: str
    node_name: str = ""
    node_uid: str = ""


@attrs.frozen
class IssuedToken:
    token: str = attrs.field(repr=False)
    expires: int  # unix seconds


class TokenIssuer:
    """Signs bound tokens with the service-account private key."""

    def __init__(self, private_pem: bytes, public_pem: bytes, issuer: str) -> None:
        self._key = serialization.load_pem_private_key(private_pem, password=None)
        self._kid = key_id(public_pem)
        self.issuer = issuer

    def issue(
        self,
        *,
        namespace: str,
        name: str,
        uid: str,
        audiences: Sequence[str],
        seconds: int,
        bound: BoundObject | None = None,
        now: float | None = None,
    ) -> IssuedToken:
        issued = int(time.time() if now is None else now)
        private: dict[str, Any] = {
            "namespace": namespace,
            "serviceaccount": {"name": name, "uid": uid},
        }
        if bound is not None:
            private[bound.kind.lower()] = {"name": bound.name, "uid": bound.uid}
            if bound.node_name:
                private["node"] = {"name": bound.node_name, "uid": bound.node_uid}
        claims = {
            "aud": list(audiences),
            "exp": issued + seconds,
            "iat": issued,
            "nbf": issued,
            "iss": self.issuer,
            "jti": str(uuid.uuid4()),
            "kubernetes.io": private,
            "sub": f"system:serviceaccount:{namespace}:{name}",
        }
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self._kid})
        return IssuedToken(token, issued + seconds)
