"""Service-account token authentication: a JWT of this cluster's issuer, signed by its
service-account key, for one of the accepted audiences, not expired, whose ServiceAccount
(and bound Pod or Secret) still exists with the uid the token names — so deleting the
ServiceAccount or the pod revokes the token at once.

A token that is not a JWT, or is another issuer's, is not this authenticator's (None); a
token of this issuer that fails any check is rejected (401).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import jwt

from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import AuthenticationError, AuthRequest
from microkube.contracts.storage import Storage
from microkube_apiserver.authn.bearer import bearer_token
from microkube_apiserver.authn.tokens import ALGORITHM
from microkube_apiserver.authn.users import service_account_user
from microkube_apiserver.store.keys import object_key

__all__ = ["ServiceAccountAuthenticator"]

#: Verified signatures are remembered this long (kube-apiserver caches token reviews ~10 s);
#: expiry and the bound objects are checked on every request regardless.
_CACHE_SECONDS = 10.0
_CACHE_SIZE = 4096
_EXTRA = "authentication.kubernetes.io/"


class ServiceAccountAuthenticator:
    def __init__(self, public_pem: bytes, issuer: str, audiences: Sequence[str]) -> None:
        self._public = jwt.algorithms.ECAlgorithm(jwt.algorithms.ECAlgorithm.SHA256).prepare_key(
            public_pem
        )
        self._issuer = issuer
        self._audiences = list(audiences)
        self._storage: Storage | None = None
        self._verified: dict[str, tuple[float, dict[str, Any]]] = {}

    def bind_host(self, host: Any) -> None:
        self._storage = host.storage

    async def authenticate(self, request: AuthRequest) -> UserInfo | None:
        token = bearer_token(request.headers)
        if token is None or token.count(".") != 2:
            return None
        claims = self._claims(token)
        if claims is None:
            return None
        if claims["exp"] <= time.time():
            raise AuthenticationError("service account token has expired")
        return await self._user(claims)

    def _claims(self, token: str) -> dict[str, Any] | None:
        now = time.monotonic()
        cached = self._verified.get(token)
        if cached is not None and now - cached[0] < _CACHE_SECONDS:
            return cached[1]
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return None  # not a JWT: another authenticator's token, or garbage
        if unverified.get("iss") != self._issuer:
            return None
        try:
            claims = jwt.decode(
                token,
                self._public,
                algorithms=[ALGORITHM],
                audience=self._audiences,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("service account token has expired") from None
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"invalid bearer token: {exc}") from None
        if len(self._verified) >= _CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (now, claims)
        return claims

    async def _user(self, claims: dict[str, Any]) -> UserInfo:
        private = claims.get("kubernetes.io")
        if not isinstance(private, dict):
            raise AuthenticationError("service account token has no kubernetes.io claims")
        namespace = private.get("namespace") or ""
        account = private.get("serviceaccount") or {}
        name, uid = account.get("name") or "", account.get("uid") or ""
        if (
            not namespace
            or not name
            or claims["sub"] != f"system:serviceaccount:{namespace}:{name}"
        ):
            raise AuthenticationError("service account token names no service account")
        await self._require("serviceaccounts", namespace, name, uid)
        extra: dict[str, tuple[str, ...]] = {}
        if jti := claims.get("jti"):
            extra[_EXTRA + "credential-id"] = (f"JTI={jti}",)
        for kind in ("pod", "secret"):
            ref = private.get(kind)
            if isinstance(ref, dict):
                await self._require(kind + "s", namespace, ref.get("name", ""), ref.get("uid", ""))
                if kind == "pod":
                    extra[_EXTRA + "pod-name"] = (ref.get("name", ""),)
                    extra[_EXTRA + "pod-uid"] = (ref.get("uid", ""),)
        node = private.get("node")
        if isinstance(node, dict) and node.get("name"):
            extra[_EXTRA + "node-name"] = (node["name"],)
            if node.get("uid"):
                extra[_EXTRA + "node-uid"] = (node["uid"],)
        return service_account_user(namespace, name, uid, extra)

    async def _require(self, plural: str, namespace: str, name: str, uid: str) -> None:
        """The bound object exists, with the uid the token names (else: revoked)."""
        kind = plural[:-1]
        if self._storage is None:
            raise AuthenticationError("service account tokens cannot be checked yet")
        found = await self._storage.get(object_key("", plural, namespace, name))
        if found is None:
            raise AuthenticationError(f'{kind} "{namespace}/{name}" bound to the token is gone')
        try:
            metadata = json.loads(found.value).get("metadata") or {}
        except ValueError:  # stored encrypted (a Secret, with encryption at rest): exists
            return
        if metadata.get("deletionTimestamp") and kind != "serviceaccount":
            raise AuthenticationError(f'{kind} "{namespace}/{name}" is being deleted')
        if uid and metadata.get("uid") != uid:
            raise AuthenticationError(
                f'{kind} "{namespace}/{name}" was recreated: the token is invalidated'
            )
