"""The aiohttp application: health, discovery and resource requests, errors as Statuses.

Every request ends in a Kubernetes answer: an :class:`~microkube_apiserver.errors.ApiError`
becomes its Status; any other exception is logged with its traceback and answered
``500 InternalError`` — never a bare aiohttp error page.
"""

from __future__ import annotations

import datetime
import logging
import time

from aiohttp import web

from microkube_apiserver import errors
from microkube_apiserver.audit.record import record_request
from microkube_apiserver.discovery import DiscoveryEndpoints
from microkube_apiserver.registry.context import Api
from microkube_apiserver.server.auth_step import authenticate_request, authorize_request
from microkube_apiserver.server.paths import not_found, parse_resource_path
from microkube_apiserver.server.resources import handle_resource
from microkube_apiserver.server.responses import error_response
from microkube_apiserver.server.special import special_handler

__all__ = ["build_app"]

log = logging.getLogger("microkube_apiserver")
_HEALTH = ("/healthz", "/livez", "/readyz")


def build_app(api: Api, discovery: DiscoveryEndpoints) -> web.Application:
    async def dispatch(request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        received = datetime.datetime.now(datetime.UTC) if api.audit is not None else None
        try:
            response = await _route(request, api, discovery)
        except errors.ApiError as exc:
            response = error_response(exc)
        except Exception as exc:
            log.exception("%s %s failed", request.method, request.path_qs)
            response = error_response(errors.internal_error(f"{type(exc).__name__}: {exc}"))
        if received is not None:
            await record_request(api.audit, request, api, response.status, received)
        if api.options.log_requests:
            log.info(
                "%s %s %s %.1fms",
                request.method,
                request.path_qs,
                response.status,
                (time.monotonic() - started) * 1000,
            )
        return response

    # The body limit is enforced per request (413 as a Status); aiohttp's own must not be lower.
    app = web.Application(client_max_size=api.options.max_request_body_bytes + 1)
    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app


async def _route(
    request: web.Request, api: Api, discovery: DiscoveryEndpoints
) -> web.StreamResponse:
    path = request.path
    if path.rstrip("/") in _HEALTH or path.startswith(tuple(h + "/" for h in _HEALTH)):
        return web.Response(text="ok", content_type="text/plain")
    await authenticate_request(request, api)
    resource_path = parse_resource_path(request.raw_path, api.catalogue)
    await authorize_request(request, api, resource_path)
    if resource_path is not None:
        special = special_handler(resource_path)
        if special is not None:
            return await special(request, api, resource_path)
        return await handle_resource(request, api, resource_path)
    answer = discovery.answer(request.method, path, _query(request), request.headers)
    if answer is None:
        raise not_found()
    response = web.Response(status=answer.status, body=answer.body)
    for name, value in answer.headers:
        response.headers.add(name, value)
    return response


def _query(request: web.Request) -> dict[str, str | list[str]]:
    query: dict[str, str | list[str]] = {}
    for key in request.query:
        values = request.query.getall(key)
        query[key] = values[0] if len(values) == 1 else list(values)
    return query
