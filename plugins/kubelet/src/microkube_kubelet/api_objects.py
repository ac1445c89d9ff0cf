"""What pods read from the API server: ConfigMaps and Secrets (env and volumes) and
service-account tokens (projected volumes)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from microkube.client.api import ApiClient
from microkube.client.errors import ApiError, NotFoundError, TransportError

__all__ = ["ApiObjects"]


class ApiObjects:
    def __init__(self, api: ApiClient) -> None:
        self.api = api
        #: namespace -> the Services last read (kept for API server outages)
        self._services: dict[str, list[dict[str, Any]]] = {}

    async def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return await self.api.get(kind, name, namespace)
        except NotFoundError:
            return None

    async def services(self, namespace: str) -> list[dict[str, Any]]:
        """The Services of ``namespace`` plus ``default/kubernetes`` (for service env vars).
        While the API server is unreachable, the last ones read (or none): a container is
        never held back for want of service links, as upstream's service lister."""
        try:
            found = list((await self.api.list("services", namespace)).get("items") or ())
            if namespace != "default":
                with contextlib.suppress(NotFoundError):
                    found.append(await self.api.get("services", "kubernetes", "default"))
        except (ApiError, TransportError, OSError, TimeoutError):
            return list(self._services.get(namespace, ()))
        self._services[namespace] = found
        return found

    async def request_token(
        self,
        namespace: str,
        service_account: str,
        *,
        audiences: list[str],
        expiration_seconds: int,
        pod: Mapping[str, Any],
    ) -> str:
        """A TokenRequest bound to the pod (``serviceaccounts/<sa>/token``). Until the API
        server serves it this fails with its answer; no token is ever made up here."""
        meta = pod.get("metadata") or {}
        body = {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {
                "audiences": audiences,
                "expirationSeconds": expiration_seconds,
                "boundObjectRef": {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "name": meta.get("name", ""),
                    "uid": meta.get("uid", ""),
                },
            },
        }
        path = f"/api/v1/namespaces/{namespace}/serviceaccounts/{service_account}/token"
        answer = await self.api.request("POST", path, body=body)
        token = (answer.get("status") or {}).get("token")
        if not token:
            raise ValueError(
                f"the TokenRequest for {namespace}/{service_account} returned no token"
            )
        return str(token)
