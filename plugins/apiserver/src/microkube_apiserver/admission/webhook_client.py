"""Calling one admission webhook: an ``admission.k8s.io/v1`` AdmissionReview POSTed over HTTPS
(verified with the webhook's ``caBundle``, or the system's CAs without one) within its
``timeoutSeconds``, and its answer read back. ``clientConfig.service`` is reached at the
addresses of the Service's Endpoints (the API server runs outside the pod network's Service
routing), ``clientConfig.url`` as given.
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from microkube.contracts.admission import AdmissionRequest
from microkube_apiserver.admission.webhook_match import Webhook

__all__ = ["CallFailed", "WebhookCaller", "review_request"]


class CallFailed(Exception):
    """The webhook could not be asked or gave no usable answer (``failurePolicy`` decides)."""


def review_request(request: AdmissionRequest, uid: str) -> dict[str, Any]:
    resource = request.resource
    kind = {"group": resource.group, "version": resource.version, "kind": request.kind}
    gvr = {"group": resource.group, "version": resource.version, "resource": resource.resource}
    user: dict[str, Any] = {"username": request.user.username}
    if request.user.uid:
        user["uid"] = request.user.uid
    if request.user.groups:
        user["groups"] = list(request.user.groups)
    body: dict[str, Any] = {
        "uid": uid,
        "kind": kind,
        "resource": gvr,
        "requestKind": kind,
        "requestResource": gvr,
        "name": request.name,
        "namespace": request.namespace,
        "operation": request.operation.value,
        "userInfo": user,
        "object": request.object,
        "oldObject": request.old_object,
        "dryRun": request.dry_run,
    }
    if request.subresource:
        body["subResource"] = body["requestSubResource"] = request.subresource
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": body}


#: Finds a Service's endpoint (address, port) for ``clientConfig.service``.
ServiceResolver = Callable[[str, str, int], Awaitable[tuple[str, int]]]


class WebhookCaller:
    def __init__(self, resolve_service: ServiceResolver | None = None) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._resolve_service = resolve_service

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _ssl(self, ca_bundle: str) -> ssl.SSLContext:
        context = self._contexts.get(ca_bundle)
        if context is None:
            context = ssl.create_default_context()
            if ca_bundle:
                try:
                    context.load_verify_locations(cadata=base64.b64decode(ca_bundle).decode())
                except (ValueError, ssl.SSLError) as exc:
                    raise CallFailed(f"bad caBundle: {exc}") from None
            self._contexts[ca_bundle] = context
        return context

    async def _url(self, webhook: Webhook) -> tuple[str, str | None]:
        """The URL to POST to, and the TLS server name when it is not the URL's host."""
        config = webhook.client_config
        if config.get("url"):
            return str(config["url"]), None
        service = config.get("service") or {}
        if not service or self._resolve_service is None:
            raise CallFailed("the webhook has neither url nor a resolvable service")
        namespace, name = str(service.get("namespace", "")), str(service.get("name", ""))
        port = int(service.get("port") or 443)
        address, target = await self._resolve_service(namespace, name, port)
        host = f"[{address}]" if ":" in address else address
        path = str(service.get("path") or "")
        return f"https://{host}:{target}{path}", f"{name}.{namespace}.svc"

    async def call(self, webhook: Webhook, request: AdmissionRequest) -> dict[str, Any]:
        """The webhook's ``response`` (``uid`` checked); CallFailed for anything else."""
        uid = str(uuid.uuid4())
        url, server_name = await self._url(webhook)
        if self._session is None:
            self._session = aiohttp.ClientSession()
        payload = json.dumps(review_request(request, uid)).encode()
        try:
            async with asyncio.timeout(webhook.timeout_seconds):
                async with self._session.post(
                    url,
                    data=payload,
                    headers={"Content-Type": "application/json", "Accept": "application/json"},
                    ssl=self._ssl(str(webhook.client_config.get("caBundle") or "")),
                    server_hostname=server_name,
                ) as answer:
                    text = await answer.text()
                    if answer.status != 200:
                        raise CallFailed(f"the server responded with status {answer.status}")
        except TimeoutError:
            raise CallFailed(
                f'failed to call webhook: Post "{url}": context deadline exceeded'
            ) from None
        except (aiohttp.ClientError, OSError, ssl.SSLError) as exc:
            raise CallFailed(f'failed to call webhook: Post "{url}": {exc}') from None
        try:
            review = json.loads(text)
        except ValueError:
            raise CallFailed("the webhook's answer is not JSON") from None
        response = review.get("response") if isinstance(review, dict) else None
        if not isinstance(response, dict):
            raise CallFailed("the webhook's AdmissionReview has no response")
        if response.get("uid") != uid:
            raise CallFailed(f"expected response.uid={uid!r}, got {response.get('uid')!r}")
        return response
