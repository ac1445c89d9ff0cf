"""The HTTP entry of the pod subresources served by the kubelet: ``log`` (GET), ``exec``,
``attach`` and ``portforward`` (GET for WebSocket, POST for SPDY)."""

from __future__ import annotations

from aiohttp import web

from microkube_apiserver import errors
from microkube_apiserver.kubelet.location import resolve
from microkube_apiserver.kubelet.logs import stream_logs
from microkube_apiserver.kubelet.upgrade import proxy_upgrade
from microkube_apiserver.registry.context import Api
from microkube_apiserver.server.paths import ResourcePath

__all__ = ["KUBELET_SUBRESOURCES", "handle_kubelet_subresource"]

KUBELET_SUBRESOURCES = frozenset({"log", "exec", "attach", "portforward"})
_VERBS = {"GET": "get", "HEAD": "get", "POST": "create"}


async def handle_kubelet_subresource(
    request: web.BaseRequest, api: Api, path: ResourcePath
) -> web.StreamResponse:
    sub = path.resource.subresource(path.subresource)
    verb = _VERBS.get(request.method.upper(), request.method.lower())
    if sub is None or verb not in sub.verbs or not path.name:
        raise errors.method_not_supported("", "pods", verb)
    query = {key: request.query[key] for key in request.query}
    commands = request.query.getall("command", [])
    location = await resolve(api, path.namespace, path.name, path.subresource, query, commands)
    if path.subresource == "log":
        return await stream_logs(request, location, path.name)
    assert location is not None  # only a log has no location (a pod not on a node yet)
    return await proxy_upgrade(request, location)
