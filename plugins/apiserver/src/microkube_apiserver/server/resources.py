"""Resource requests: the verb (from method, path and ``watch``) to the registry operation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import attrs
from aiohttp import web

from microkube_apiserver import errors
from microkube_apiserver.registry import deletion, namespaces, pods, scale
from microkube_apiserver.registry.context import Api, Result, Target, WriteOptions
from microkube_apiserver.registry.create import create
from microkube_apiserver.registry.filters import build_predicate
from microkube_apiserver.registry.managed import manager_from_user_agent
from microkube_apiserver.registry.meta import status_only
from microkube_apiserver.registry.patch import patch
from microkube_apiserver.registry.patching import APPLY, PATCH_TYPES
from microkube_apiserver.registry.reads import get_object, list_json, list_objects
from microkube_apiserver.registry.replace import replace
from microkube_apiserver.server.auth_step import request_user
from microkube_apiserver.server.bodies import decode_body, media_type, read_body
from microkube_apiserver.server.output import negotiate_output
from microkube_apiserver.server.paths import ResourcePath
from microkube_apiserver.server.query import list_params, parse_bool, watch_timeout, write_options
from microkube_apiserver.server.responses import json_response
from microkube_apiserver.server.streaming import stream_watch

__all__ = ["handle_resource"]

_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}


def _method_not_allowed(path: ResourcePath, verb: str) -> errors.ApiError:
    return errors.method_not_supported(path.resource.group, path.resource.plural, verb)


def _require_verb(path: ResourcePath, verb: str) -> None:
    if path.subresource:
        sub = path.resource.subresource(path.subresource)
        allowed = sub.verbs if sub else ()
    else:
        allowed = path.resource.verbs
    if verb not in allowed:
        raise _method_not_allowed(path, verb)


def _write_options(request: web.BaseRequest, *, derive_manager: bool = True) -> WriteOptions:
    """Options of a write; the manager defaults to the User-Agent's product, except for
    apply patches, which must name one."""
    dry_run, manager, validation, force = write_options(request.query)
    if not manager and derive_manager:
        manager = manager_from_user_agent(request.headers.get("User-Agent"))
    return WriteOptions(
        dry_run=dry_run,
        field_manager=manager,
        field_validation=validation,
        force=force,
        user=request_user(request),
    )


async def handle_resource(
    request: web.BaseRequest, api: Api, path: ResourcePath
) -> web.StreamResponse:
    target = Target(path.resource, path.namespace, path.name, path.subresource)
    method = request.method.upper()
    if method in ("GET", "HEAD"):
        return await _read(request, api, path, target)
    if method == "DELETE":
        return await _delete(request, api, path, target)
    if method in _VERBS:
        return await _write(request, api, path, target, method)
    raise _method_not_allowed(path, method.lower())


async def _read(
    request: web.BaseRequest, api: Api, path: ResourcePath, target: Target
) -> web.StreamResponse:
    query = request.query
    watching = path.watch or bool(parse_bool(query.get("watch"), "watch"))
    output = negotiate_output(request.headers.get("Accept"), query, path.resource, path.subresource)
    if watching:
        _require_verb(path, "watch")
        params = list_params(query, watch=True)
        build_predicate(params.label_selector, params.field_selector, target.rules)
        return await stream_watch(request, api, target, params, output, watch_timeout(query))
    if not path.name:
        _require_verb(path, "list")
        params = list_params(query, watch=False)
        if not output.is_table:
            return json_response(200, await list_json(api, target, params))
        return json_response(200, output.list(await list_objects(api, target, params)))
    _require_verb(path, "get")
    if path.subresource == "scale":
        return json_response(200, output.object(await scale.get_scale(api, target)))
    obj = await get_object(api, target, query.get("resourceVersion"))
    return json_response(200, output.object(obj))


async def _body(request: web.BaseRequest, api: Api) -> tuple[bytes, str]:
    data = await read_body(request, api.options.max_request_body_bytes)
    return data, media_type(request)


def _answer(result: Result) -> web.Response:
    body = result.encoded if result.encoded is not None else result.body
    return json_response(result.code, body, result.warnings)


async def _write(
    request: web.BaseRequest, api: Api, path: ResourcePath, target: Target, method: str
) -> web.StreamResponse:
    verb = _VERBS[method]
    _require_verb(path, verb)
    data, content_type = await _body(request, api)
    options = _write_options(request, derive_manager=content_type != APPLY)
    sub = path.subresource
    if method == "PATCH":
        if content_type not in PATCH_TYPES:
            raise errors.unsupported_media_type(content_type, PATCH_TYPES)
        if sub == "scale":
            return _answer(await scale.patch_scale(api, target, content_type, data, options))
        finish = status_only if sub == "status" else None
        kwargs: dict[str, Any] = {"finish": finish} if finish else {}
        return _answer(await patch(api, target, content_type, data, options, **kwargs))
    duplicates: list[str] | None = [] if options.field_validation != "Ignore" else None
    body = decode_body(data, content_type, duplicates)
    if duplicates:
        options = attrs.evolve(options, strict_errors=tuple(duplicates))
    operation = _operation(path, method)
    if operation is None:
        raise _method_not_allowed(path, verb)
    return _answer(await operation(api, target, body, options))


def _operation(
    path: ResourcePath, method: str
) -> Callable[[Api, Target, Any, WriteOptions], Awaitable[Result]] | None:
    key = (path.resource.group, path.resource.plural)
    sub = path.subresource
    if method == "POST":
        if key == ("", "bindings"):
            return _binding_collection
        if not path.name:
            if path.resource.namespaced and not path.namespace:
                return None
            return create
        if key == ("", "pods") and sub == "binding":
            return pods.bind
        if key == ("", "pods") and sub == "eviction":
            return pods.evict
        return None
    if not path.name:
        return None
    if sub == "":
        return replace
    if sub == "status":
        return _replace_status
    if sub == "scale":
        return scale.replace_scale
    if sub == "finalize" and key == ("", "namespaces"):
        return namespaces.finalize
    return None


async def _replace_status(api: Api, target: Target, body: Any, options: WriteOptions) -> Result:
    return await replace(api, target, body, options, finish=status_only)


async def _binding_collection(api: Api, target: Target, body: Any, options: WriteOptions) -> Result:
    """``POST namespaces/<ns>/bindings``: bind the pod the Binding names."""
    name = ((body or {}).get("metadata") or {}).get("name") if isinstance(body, dict) else None
    if not name:
        raise errors.bad_request("a Binding must name the pod in metadata.name")
    pod_resource = api.resource("", "pods")
    assert pod_resource is not None
    return await pods.bind(api, Target(pod_resource, target.namespace, name), body, options)


async def _delete(
    request: web.BaseRequest, api: Api, path: ResourcePath, target: Target
) -> web.StreamResponse:
    if path.subresource:
        raise _method_not_allowed(path, "delete")
    data, content_type = await _body(request, api)
    body = decode_body(data, content_type) if data.strip() else None
    delete_options = deletion.parse_delete_options(body, dict(request.query))
    options = _write_options(request)
    if isinstance(body, dict) and body.get("dryRun"):
        if body["dryRun"] != ["All"]:
            raise errors.bad_request(f"invalid dryRun value: {body['dryRun']!r}")
        options = WriteOptions(
            dry_run=True,
            field_manager=options.field_manager,
            field_validation=options.field_validation,
            user=options.user,
        )
    if path.name:
        _require_verb(path, "delete")
        return _answer(await deletion.delete(api, target, delete_options, options))
    _require_verb(path, "deletecollection")
    if path.resource.namespaced and not path.namespace:
        raise _method_not_allowed(path, "deletecollection")
    query = request.query
    result = await deletion.delete_collection(
        api,
        target,
        query.get("labelSelector", ""),
        query.get("fieldSelector", ""),
        delete_options,
        options,
    )
    return _answer(result)
