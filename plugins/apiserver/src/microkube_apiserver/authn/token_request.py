"""``POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token``: the TokenRequest
subresource (what ``kubectl create token`` and the kubelet's projected tokens call).

As kube-apiserver: ``expirationSeconds`` defaults to 3600 and may not be under 10 minutes;
``audiences`` default to the API server's own; a ``boundObjectRef`` (Pod or Secret, in the
ServiceAccount's namespace) must exist, match its ``uid`` when one is given, and a Pod must run
as that ServiceAccount. The answer is the TokenRequest with ``status.token`` (201).
"""

from __future__ import annotations

import datetime
from typing import Any

from aiohttp import web

from microkube_apiserver import errors
from microkube_apiserver.admission.noderestriction import check_node_token_request
from microkube_apiserver.authn.tokens import BoundObject
from microkube_apiserver.registry.context import Api, Target
from microkube_apiserver.registry.reads import get_object
from microkube_apiserver.server.auth_step import request_user
from microkube_apiserver.server.bodies import decode_body, media_type, read_body
from microkube_apiserver.server.paths import ResourcePath
from microkube_apiserver.server.responses import json_response

__all__ = ["handle_token_request"]

DEFAULT_SECONDS = 3600
MIN_SECONDS = 600
MAX_SECONDS = 1 << 32
_GROUP = "authentication.k8s.io"
_BINDABLE = {"Pod": "pods", "Secret": "secrets"}


def _invalid(name: str, field: str, value: Any, detail: str) -> errors.ApiError:
    message = f"{field}: Invalid value: {value}: {detail}"
    cause = {"reason": "FieldValueInvalid", "message": message, "field": field}
    return errors.invalid(_GROUP, "TokenRequest", name, [message], [cause])


def _spec(body: Any, name: str) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise errors.bad_request("the body of a TokenRequest must be an object")
    kind = body.get("kind")
    if kind not in (None, "", "TokenRequest"):
        raise errors.bad_request(f'expected a TokenRequest, got kind "{kind}"')
    spec = body.get("spec") or {}
    if not isinstance(spec, dict):
        raise _invalid(name, "spec", "", "must be an object")
    return spec


def _seconds(spec: dict[str, Any], name: str) -> int:
    value = spec.get("expirationSeconds")
    if value is None:
        return DEFAULT_SECONDS
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(name, "spec.expirationSeconds", value, "must be an integer")
    if value < MIN_SECONDS:
        raise _invalid(
            name, "spec.expirationSeconds", value, "may not specify a duration less than 10 minutes"
        )
    if value > MAX_SECONDS:
        raise _invalid(
            name,
            "spec.expirationSeconds",
            value,
            "may not specify a duration larger than 2^32 seconds",
        )
    return value


async def _bound(api: Api, namespace: str, account: str, ref: Any) -> BoundObject | None:
    if not ref:
        return None
    if not isinstance(ref, dict):
        raise errors.bad_request("spec.boundObjectRef must be an object")
    kind, name, uid = ref.get("kind") or "", ref.get("name") or "", ref.get("uid") or ""
    plural = _BINDABLE.get(kind)
    if plural is None or (ref.get("apiVersion") or "v1") != "v1":
        raise errors.bad_request(
            f'cannot bind token for serviceaccount "{account}" to object of kind '
            f'"{ref.get("apiVersion") or "v1"}, Kind={kind}"'
        )
    if not name:
        raise errors.bad_request("spec.boundObjectRef.name is required")
    resource = api.resource("", plural)
    assert resource is not None
    obj = await get_object(api, Target(resource, namespace, name), None)
    metadata = obj.get("metadata") or {}
    if uid and metadata.get("uid") != uid:
        raise errors.conflict(
            "",
            kind,
            name,
            f"the UID in the bound object reference ({uid}) does not match the UID in record. "
            "The object might have been deleted and then recreated",
        )
    bound = BoundObject(kind=kind, name=name, uid=metadata.get("uid") or "")
    if kind != "Pod":
        return bound
    spec = obj.get("spec") or {}
    if (spec.get("serviceAccountName") or "default") != account:
        raise errors.bad_request(
            f'cannot bind token for serviceaccount "{account}" to pod running with different '
            "serviceaccount name."
        )
    node_name = spec.get("nodeName") or ""
    if node_name:
        node_resource = api.resource("", "nodes")
        assert node_resource is not None
        try:
            node = await get_object(api, Target(node_resource, "", node_name), None)
        except errors.ApiError:
            node = {}
        node_uid = (node.get("metadata") or {}).get("uid") or ""
        return BoundObject(kind, name, bound.uid, node_name=node_name, node_uid=node_uid)
    return bound


async def handle_token_request(
    request: web.BaseRequest, api: Api, path: ResourcePath
) -> web.StreamResponse:
    if request.method.upper() != "POST":
        raise errors.method_not_supported(_GROUP, "tokenrequests", request.method.lower())
    issuer = api.token_issuer
    if issuer is None:
        raise errors.ApiError(
            404, "NotFound", "the server could not find the requested resource", details={}
        )
    data = await read_body(request, api.options.max_request_body_bytes)
    body = decode_body(data, media_type(request))
    spec = _spec(body, path.name)
    seconds = _seconds(spec, path.name)
    audiences = spec.get("audiences") or [issuer.issuer]
    if not isinstance(audiences, list) or not all(isinstance(a, str) and a for a in audiences):
        raise _invalid(
            path.name, "spec.audiences", audiences, "must be a list of non-empty strings"
        )
    account = await get_object(api, Target(path.resource, path.namespace, path.name), None)
    uid = (account.get("metadata") or {}).get("uid") or ""
    bound = await _bound(api, path.namespace, path.name, spec.get("boundObjectRef"))
    check_node_token_request(request_user(request), path.name, bound)
    issued = issuer.issue(
        namespace=path.namespace,
        name=path.name,
        uid=uid,
        audiences=audiences,
        seconds=seconds,
        bound=bound,
    )
    now = api.clock().replace(microsecond=0)
    expires = datetime.datetime.fromtimestamp(issued.expires, datetime.UTC)
    answer_spec: dict[str, Any] = {"audiences": audiences, "expirationSeconds": seconds}
    if spec.get("boundObjectRef"):
        answer_spec["boundObjectRef"] = spec["boundObjectRef"]
    return json_response(
        201,
        {
            "kind": "TokenRequest",
            "apiVersion": f"{_GROUP}/v1",
            "metadata": {
                "name": path.name,
                "namespace": path.namespace,
                "creationTimestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            "spec": answer_spec,
            "status": {
                "token": issued.token,
                "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        },
    )
