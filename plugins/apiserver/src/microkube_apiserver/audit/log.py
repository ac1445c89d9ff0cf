"""The auditor: one ``audit.k8s.io/v1`` Event (stage ``ResponseComplete``) per answered
request at the level the policy chooses, handed to every enabled audit backend (the
``microkube_audit_backends`` hook; this plugin's own is ``log``, JSON lines).

Secrets are never logged beyond Metadata, whatever the policy says: their request bodies hold
the secret values (Kubernetes leaves that to the policy; microkube promises that Secrets never
reach a log). Bodies that are not JSON (protobuf) are left out.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from microkube.contracts.auth import AuditBackend, AuthorizationAttributes
from microkube_apiserver.audit.policy import AuditPolicy

__all__ = ["BODY_KEY", "Auditor"]

log = logging.getLogger(__name__)

#: Where the request handler leaves the body it read (``request[BODY_KEY]``).
BODY_KEY = web.RequestKey("microkube.body", bytes)
_NEVER_BODIES = {("", "secrets")}


def _stamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Auditor:
    """The policy and the backends the kept Events go to."""

    def __init__(self, policy: AuditPolicy, backends: Sequence[AuditBackend]) -> None:
        self.policy = policy
        self.backends = tuple(backends)

    async def record(self, event: dict[str, Any]) -> None:
        """Hand ``event`` to every backend; one failing does not keep it from the others."""
        for backend in self.backends:
            try:
                await backend.process(event)
            except Exception:
                log.exception("audit backend %s failed", type(backend).__name__)

    async def close(self) -> None:
        for backend in self.backends:
            with contextlib.suppress(Exception):
                await backend.close()

    def event(
        self,
        request: web.BaseRequest,
        attributes: AuthorizationAttributes,
        code: int,
        received: datetime.datetime,
        decision: tuple[str, str] | None = None,
    ) -> dict[str, Any] | None:
        """The Event for one answered request, or None when its level is None."""
        level = self.policy.level(attributes)
        if level == "None":
            return None
        user = attributes.user
        event: dict[str, Any] = {
            "kind": "Event",
            "apiVersion": "audit.k8s.io/v1",
            "level": level,
            "auditID": str(uuid.uuid4()),
            "stage": "ResponseComplete",
            "requestURI": request.path_qs,
            "verb": attributes.verb,
            "user": {"username": user.username, "groups": list(user.groups)}
            | ({"uid": user.uid} if user.uid else {}),
            "sourceIPs": [request.remote] if request.remote else [],
            "userAgent": request.headers.get("User-Agent", ""),
            "responseStatus": {"metadata": {}, "code": code},
            "requestReceivedTimestamp": _stamp(received),
            "stageTimestamp": _stamp(datetime.datetime.now(datetime.UTC)),
        }
        if attributes.resource_request:
            ref = {
                "resource": attributes.resource,
                "namespace": attributes.namespace,
                "name": attributes.name,
                "apiGroup": attributes.api_group,
                "subresource": attributes.subresource,
            }
            event["objectRef"] = {k: v for k, v in ref.items() if v}
        if decision is not None:
            event["annotations"] = {
                "authorization.k8s.io/decision": decision[0],
                "authorization.k8s.io/reason": decision[1],
            }
        secret = (attributes.api_group, attributes.resource) in _NEVER_BODIES
        if level in ("Request", "RequestResponse") and not secret:
            body = request.get(BODY_KEY)
            if body:
                with contextlib.suppress(ValueError):
                    event["requestObject"] = json.loads(body)
        return event
