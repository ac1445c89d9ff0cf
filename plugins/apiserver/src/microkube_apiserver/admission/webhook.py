"""MutatingAdmissionWebhook and ValidatingAdmissionWebhook, as Kubernetes' plugins: every
webhook of the stored configurations whose rules and selectors match the request is called
(mutating ones one after the other, their JSONPatch applied to the object in turn; validating
ones all of them), and:

- a denial answers ``admission webhook "<name>" denied the request: <message>`` with the
  webhook's code (400 when it gives none under 400);
- a call that fails or times out denies the request with ``failed calling webhook "<name>":
  ...`` (500) under ``failurePolicy: Fail`` (the default) and is skipped under ``Ignore``;
- a dry-run request skips webhooks that declare side effects.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from typing import Any

from microkube.contracts.admission import AdmissionDenied, AdmissionRequest
from microkube.jsonpatch.errors import PatchError
from microkube.jsonpatch.json_patch import apply_json_patch
from microkube_apiserver import errors
from microkube_apiserver.admission.object_cache import ObjectCache
from microkube_apiserver.admission.webhook_client import CallFailed, WebhookCaller
from microkube_apiserver.admission.webhook_match import Webhook, webhooks_of
from microkube_apiserver.store import keys

__all__ = ["MutatingWebhooks", "ValidatingWebhooks"]

log = logging.getLogger(__name__)
_GROUP = "admissionregistration.k8s.io"
_NO_DRY_RUN = {"None", "NoneOnDryRun"}


def _labels(namespace: Any) -> dict[str, str]:
    return dict(((namespace or {}).get("metadata") or {}).get("labels") or {})


def _denied(webhook: Webhook, response: Mapping[str, Any]) -> errors.ApiError:
    """Upstream's ``webhookerrors.ToStatusErr``: the webhook's own Status, its message
    prefixed, passed to the client as is (not rewrapped as ``<resource> is forbidden``)."""
    status = response.get("status") if isinstance(response.get("status"), dict) else {}
    denied_by = f'admission webhook "{webhook.name}" denied the request'
    message = status.get("message") or status.get("reason")
    text = f"{denied_by}: {message}" if message else f"{denied_by} without explanation"
    code = status.get("code") if isinstance(status.get("code"), int) else 400
    details = status.get("details") if isinstance(status.get("details"), dict) else None
    return errors.ApiError(max(code, 400), str(status.get("reason") or ""), text, details=details)


class _Webhooks:
    name = ""
    plural = ""

    def __init__(self) -> None:
        self._configurations: ObjectCache[tuple[Webhook, ...]] | None = None
        self._namespaces: ObjectCache[dict[str, str]] | None = None
        self._storage: Any = None
        self._caller = WebhookCaller(self._resolve_service)

    def bind_host(self, host: Any) -> None:
        self._storage = host.storage
        self._configurations = ObjectCache(
            host.storage, keys.prefix(_GROUP, self.plural), webhooks_of
        )
        self._namespaces = ObjectCache(host.storage, keys.prefix("", "namespaces"), _labels)
        self._configurations.start()
        self._namespaces.start()

    async def close(self) -> None:
        for cache in (self._configurations, self._namespaces):
            if cache is not None:
                await cache.close()
        await self._caller.close()

    def handles(self, request: AdmissionRequest) -> bool:
        return (
            self._configurations is not None
            and bool(self._configurations.values())
            and (request.resource.group != _GROUP)
        )

    def _matching(self, request: AdmissionRequest) -> list[Webhook]:
        assert self._configurations is not None
        labels: dict[str, str] | None = None
        if request.resource.resource == "namespaces" and not request.namespace:
            labels = _labels(request.object or request.old_object)
        elif request.namespace and self._namespaces is not None:
            labels = self._namespaces.get(request.namespace) or {}
        found = []
        for configuration in sorted(
            self._configurations.values(), key=lambda w: w[0].configuration if w else ""
        ):
            for webhook in configuration:
                if request.dry_run and webhook.side_effects not in _NO_DRY_RUN:
                    continue
                if webhook.matches(request, labels):
                    found.append(webhook)
        return found

    async def _ask(self, webhook: Webhook, request: AdmissionRequest) -> Mapping[str, Any] | None:
        """The webhook's response, or None when it failed and ``failurePolicy`` is Ignore."""
        try:
            response = await self._caller.call(webhook, request)
        except CallFailed as exc:
            if webhook.failure_policy == "Ignore":
                log.warning("webhook %s failed (ignored): %s", webhook.name, exc)
                return None
            raise AdmissionDenied(
                f'Internal error occurred: failed calling webhook "{webhook.name}": {exc}',
                code=500,
                reason="InternalError",
            ) from None
        for warning in response.get("warnings") or ():
            request.warnings.append(str(warning))
        if not response.get("allowed"):
            raise _denied(webhook, response)
        return response

    async def _resolve_service(self, namespace: str, name: str, port: int) -> tuple[str, int]:
        """A ready address of the Service's Endpoints and the target port of ``port``."""
        service_kv = await self._storage.get(keys.object_key("", "services", namespace, name))
        endpoints_kv = await self._storage.get(keys.object_key("", "endpoints", namespace, name))
        if service_kv is None or endpoints_kv is None:
            raise CallFailed(f'service "{namespace}/{name}" not found or has no endpoints')
        service, endpoints = json.loads(service_kv.value), json.loads(endpoints_kv.value)
        port_name = next(
            (
                p.get("name", "")
                for p in (service.get("spec") or {}).get("ports") or ()
                if p.get("port") == port
            ),
            None,
        )
        if port_name is None:
            raise CallFailed(f'service "{namespace}/{name}" has no port {port}')
        for subset in endpoints.get("subsets") or ():
            for address in subset.get("addresses") or ():
                for candidate in subset.get("ports") or ():
                    if candidate.get("name", "") == port_name:
                        return str(address["ip"]), int(candidate["port"])
        raise CallFailed(f'service "{namespace}/{name}" has no ready endpoints')


class MutatingWebhooks(_Webhooks):
    name = "MutatingAdmissionWebhook"
    plural = "mutatingwebhookconfigurations"

    async def admit(self, request: AdmissionRequest) -> None:
        for webhook in self._matching(request):
            response = await self._ask(webhook, request)
            if response is None or not response.get("patch"):
                continue
            if response.get("patchType") != "JSONPatch":
                raise AdmissionDenied(
                    f'Internal error occurred: webhook "{webhook.name}" returned an unsupported '
                    f"patchType {response.get('patchType')!r}",
                    code=500,
                    reason="InternalError",
                )
            try:
                patch = json.loads(base64.b64decode(str(response["patch"])))
                patched = apply_json_patch(request.object, patch)
            except (ValueError, PatchError) as exc:
                raise AdmissionDenied(
                    f'Internal error occurred: webhook "{webhook.name}" returned a bad patch: '
                    f"{exc}",
                    code=500,
                    reason="InternalError",
                ) from None
            if isinstance(request.object, dict) and isinstance(patched, dict):
                request.object.clear()
                request.object.update(patched)


class ValidatingWebhooks(_Webhooks):
    name = "ValidatingAdmissionWebhook"
    plural = "validatingwebhookconfigurations"

    async def validate(self, request: AdmissionRequest) -> None:
        for webhook in self._matching(request):
            await self._ask(webhook, request)
