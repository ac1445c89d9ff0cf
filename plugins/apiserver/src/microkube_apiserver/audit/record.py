"""Recording one answered request in the audit log (called by the server's dispatch)."""

from __future__ import annotations

import datetime
import logging

from aiohttp import web

from microkube_apiserver.audit.log import Auditor
from microkube_apiserver.registry.context import Api
from microkube_apiserver.server.auth_step import request_attributes, request_user
from microkube_apiserver.server.paths import parse_resource_path

__all__ = ["record_request"]

log = logging.getLogger(__name__)


async def record_request(
    audit: Auditor, request: web.BaseRequest, api: Api, code: int, received: datetime.datetime
) -> None:
    """Send the request's Event (if the policy wants one) to the backends; an audit failure
    never fails the request, it is logged."""
    try:
        try:
            path = parse_resource_path(request.raw_path, api.catalogue)
        except Exception:
            path = None
        attributes = request_attributes(request, path, request_user(request))
        event = audit.event(request, attributes, code, received)
        if event is not None:
            await audit.record(event)
    except Exception:
        log.exception("audit: cannot record %s %s", request.method, request.path)
