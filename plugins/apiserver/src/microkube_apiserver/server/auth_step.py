"""Authentication and authorization of one request (kube-apiserver's ``WithAuthentication``
and ``WithAuthorization`` filters), with the attributes built as its ``RequestInfo`` is.

Health checks (``/healthz``, ``/livez``, ``/readyz``) and ``/version`` are open to everyone,
as Kubernetes' ``system:public-info-viewer`` makes them. Without a front door (an
:class:`ApiServer` built without one, as many tests do) every request passes unchecked.
"""

from __future__ import annotations

import logging

from aiohttp import web

from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import AuthorizationAttributes, Decision
from microkube_apiserver import errors
from microkube_apiserver.authn.front_door import Unauthenticated
from microkube_apiserver.registry.context import Api
from microkube_apiserver.server.paths import ResourcePath
from microkube_apiserver.server.query import parse_bool

__all__ = [
    "USER_KEY",
    "authenticate_request",
    "authorize_request",
    "forbidden_message",
    "request_attributes",
    "request_user",
]

log = logging.getLogger("microkube_apiserver")
#: Where the authenticated user of a request is kept (``request[USER_KEY]``).
USER_KEY = web.RequestKey("microkube.user", UserInfo)
_OPEN_PATHS = frozenset({"/version", "/version/"})
_NOBODY = UserInfo(username="")
_WRITE_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}


def request_user(request: web.BaseRequest) -> UserInfo:
    """The user :func:`authenticate_request` found (an empty username when none ran)."""
    return request.get(USER_KEY) or _NOBODY


async def authenticate_request(request: web.BaseRequest, api: Api) -> None:
    """Find who sent ``request`` (kept under :data:`USER_KEY`); 401 when nobody can."""
    door = api.front_door
    if door is None or request.path in _OPEN_PATHS:
        return
    transport = request.transport
    peer = transport.get_extra_info("peercert") if transport is not None else None
    try:
        request[USER_KEY] = await door.authenticate(request.headers, peer)
    except Unauthenticated as exc:
        log.info("401 %s %s: %s", request.method, request.path, exc)
        raise errors.ApiError(401, "Unauthorized", "Unauthorized") from None


async def authorize_request(request: web.BaseRequest, api: Api, path: ResourcePath | None) -> None:
    """403 unless the authorizers allow this request (``path`` None: a non-resource path);
    the message carries the authorizers' reason after a colon, as kube-apiserver's."""
    door = api.front_door
    if door is None or request.path in _OPEN_PATHS:
        return
    attributes = request_attributes(request, path, request_user(request))
    result = await door.authorize(attributes)
    if result.decision is Decision.ALLOW:
        return
    message = forbidden_message(attributes)
    if result.reason:
        message = f"{message}: {result.reason}"
    if path is None:
        raise errors.ApiError(403, "Forbidden", f"forbidden: {message}", details={})
    raise _forbidden(attributes, message)


def _forbidden(attributes: AuthorizationAttributes, message: str) -> errors.ApiError:
    resource = errors.qualified_resource(attributes.api_group, attributes.resource)
    quoted = f'{resource} "{attributes.name}"' if attributes.name else resource
    details: dict[str, str] = {}
    if attributes.name:
        details["name"] = attributes.name
    if attributes.api_group:
        details["group"] = attributes.api_group
    details["kind"] = attributes.resource
    return errors.ApiError(403, "Forbidden", f"{quoted} is forbidden: {message}", details=details)


def forbidden_message(attributes: AuthorizationAttributes) -> str:
    """kube-apiserver's ``forbiddenMessage``: ``User "u" cannot get resource "pods" in API
    group "" in the namespace "default"`` (or ``... at the cluster scope``, ``... path "/x"``)."""
    user = attributes.user.username
    if not attributes.resource_request:
        return f'User "{user}" cannot {attributes.verb} path "{attributes.path}"'
    resource = attributes.resource
    if attributes.subresource:
        resource = f"{resource}/{attributes.subresource}"
    where = (
        f'in the namespace "{attributes.namespace}"'
        if attributes.namespace
        else "at the cluster scope"
    )
    return (
        f'User "{user}" cannot {attributes.verb} resource "{resource}" '
        f'in API group "{attributes.api_group}" {where}'
    )


def request_attributes(
    request: web.BaseRequest, path: ResourcePath | None, user: UserInfo
) -> AuthorizationAttributes:
    """The request as Kubernetes' ``RequestInfo``: verb, resource, subresource, namespace,
    name; or, for a path that names no resource, the lower-cased method and the path."""
    method = request.method.upper()
    if path is None:
        return AuthorizationAttributes(
            user=user, verb=method.lower(), resource_request=False, path=request.path
        )
    if method in ("GET", "HEAD"):
        watching = path.watch or bool(parse_bool(request.query.get("watch"), "watch"))
        verb = "watch" if watching else ("get" if path.name else "list")
    elif method == "DELETE":
        verb = "delete" if path.name else "deletecollection"
    else:
        verb = _WRITE_VERBS.get(method, method.lower())
    resource = path.resource
    namespace = path.namespace
    if resource.group == "" and resource.plural == "namespaces" and path.name:
        namespace = path.name  # as RequestInfo: a Namespace is in itself
    return AuthorizationAttributes(
        user=user,
        verb=verb,
        namespace=namespace,
        api_group=resource.group,
        resource=resource.plural,
        subresource=path.subresource,
        name=path.name,
        resource_request=True,
        path=request.path,
    )
