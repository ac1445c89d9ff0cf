"""Access reviews: ``authorization.k8s.io/v1`` SubjectAccessReview, LocalSubjectAccessReview,
SelfSubjectAccessReview (``kubectl auth can-i``), SelfSubjectRulesReview (``kubectl auth can-i
--list``) and ``authentication.k8s.io/v1`` SelfSubjectReview (``kubectl auth whoami``).

Each is created (POST) and answered at once with its ``status`` filled in, 201, never stored,
as kube-apiserver does. The questions go to the server's own authorizers; a server without
any (no front door) allows everything and says so.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from microkube.contracts.admission import UserInfo
from microkube.contracts.auth import AuthorizationAttributes, Decision
from microkube_apiserver import errors
from microkube_apiserver.authz.bootstrap_policy import NODE_RULES
from microkube_apiserver.authz.node import node_name
from microkube_apiserver.authz.rbac import RbacAuthorizer
from microkube_apiserver.authz.rules import Rule, rules_from
from microkube_apiserver.registry.context import Api
from microkube_apiserver.server.auth_step import request_user
from microkube_apiserver.server.bodies import decode_body, media_type, read_body
from microkube_apiserver.server.paths import ResourcePath
from microkube_apiserver.server.responses import json_response

__all__ = ["REVIEW_GROUPS", "handle_review", "is_review"]

REVIEW_GROUPS = ("authorization.k8s.io", "authentication.k8s.io")


def is_review(path: ResourcePath) -> bool:
    return path.resource.group in REVIEW_GROUPS and path.resource.plural.endswith("reviews")


def _invalid(kind: str, group: str, field: str, value: Any, detail: str) -> errors.ApiError:
    message = f"{field}: Invalid value: {value!r}: {detail}".replace("'", '"')
    cause = {"reason": "FieldValueInvalid", "message": message, "field": field}
    return errors.invalid(group, kind, "", [message], [cause])


async def handle_review(request: web.BaseRequest, api: Api, path: ResourcePath) -> web.Response:
    resource = path.resource
    if request.method.upper() != "POST" or path.name or path.subresource:
        raise errors.method_not_supported(resource.group, resource.plural, request.method.lower())
    data = await read_body(request, api.options.max_request_body_bytes)
    body = decode_body(data, media_type(request)) if data.strip() else {}
    if not isinstance(body, dict):
        raise errors.bad_request(f"the body of a {resource.kind} must be an object")
    kind = body.get("kind")
    if kind not in (None, "", resource.kind):
        raise errors.bad_request(f'expected a {resource.kind}, got kind "{kind}"')
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    user = request_user(request)
    if resource.kind == "SelfSubjectReview":
        status: dict[str, Any] = {"userInfo": _user_info(user)}
    elif resource.kind == "SelfSubjectRulesReview":
        status = await _rules_review(api, user, str(spec.get("namespace") or ""))
    else:
        status = await _access_review(api, resource.kind, path.namespace, spec, user)
    answer = {
        "kind": resource.kind,
        "apiVersion": resource.api_version,
        "metadata": body.get("metadata") or {},
        **({"spec": spec} if resource.kind != "SelfSubjectReview" else {}),
        "status": status,
    }
    return json_response(201, answer)


def _user_info(user: UserInfo) -> dict[str, Any]:
    info: dict[str, Any] = {"username": user.username}
    if user.uid:
        info["uid"] = user.uid
    if user.groups:
        info["groups"] = list(user.groups)
    if user.extra:
        info["extra"] = {k: list(v) for k, v in user.extra.items()}
    return info


def _subject(kind: str, spec: dict[str, Any], user: UserInfo) -> UserInfo:
    if kind == "SelfSubjectAccessReview":
        return user
    name = str(spec.get("user") or "")
    groups = tuple(str(g) for g in spec.get("groups") or ())
    if not name and not groups:
        raise _invalid(
            kind,
            "authorization.k8s.io",
            "spec.user",
            "",
            ("at least one of user or group must be specified"),
        )
    extra = spec.get("extra") if isinstance(spec.get("extra"), dict) else {}
    return UserInfo(
        username=name,
        uid=str(spec.get("uid") or ""),
        groups=groups,
        extra={str(k): tuple(str(x) for x in v or ()) for k, v in extra.items()},
    )


def _attributes(
    kind: str, spec: dict[str, Any], subject: UserInfo, namespace: str
) -> AuthorizationAttributes:
    resource = spec.get("resourceAttributes")
    non_resource = spec.get("nonResourceAttributes")
    if isinstance(resource, dict) and isinstance(non_resource, dict):
        raise _invalid(
            kind,
            "authorization.k8s.io",
            "spec.nonResourceAttributes",
            non_resource,
            "cannot be specified in combination with resourceAttributes",
        )
    if isinstance(non_resource, dict):
        return AuthorizationAttributes(
            user=subject,
            verb=str(non_resource.get("verb") or ""),
            resource_request=False,
            path=str(non_resource.get("path") or ""),
        )
    if not isinstance(resource, dict):
        raise _invalid(
            kind,
            "authorization.k8s.io",
            "spec.resourceAttributes",
            "",
            "exactly one of nonResourceAttributes or resourceAttributes must be specified",
        )
    asked_namespace = str(resource.get("namespace") or "")
    if kind == "LocalSubjectAccessReview" and asked_namespace != namespace:
        raise _invalid(
            kind,
            "authorization.k8s.io",
            "spec.resourceAttributes.namespace",
            asked_namespace,
            f"must match metadata.namespace {namespace}",
        )
    return AuthorizationAttributes(
        user=subject,
        verb=str(resource.get("verb") or ""),
        namespace=asked_namespace,
        api_group=str(resource.get("group") or ""),
        resource=str(resource.get("resource") or ""),
        subresource=str(resource.get("subresource") or ""),
        name=str(resource.get("name") or ""),
    )


async def _access_review(
    api: Api, kind: str, namespace: str, spec: dict[str, Any], user: UserInfo
) -> dict[str, Any]:
    attributes = _attributes(kind, spec, _subject(kind, spec, user), namespace)
    door = api.front_door
    if door is None:
        return {"allowed": True, "reason": "no authorization is configured"}
    result = await door.authorize(attributes)
    status: dict[str, Any] = {"allowed": result.decision is Decision.ALLOW}
    if result.decision is Decision.DENY:
        status["denied"] = True
    if result.reason:
        status["reason"] = result.reason
    return status


def _resource_rule(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {
        "verbs": list(rule.verbs),
        "apiGroups": list(rule.api_groups),
        "resources": list(rule.resources),
    }
    if rule.resource_names:
        out["resourceNames"] = list(rule.resource_names)
    return out


async def _rules_review(api: Api, user: UserInfo, namespace: str) -> dict[str, Any]:
    door = api.front_door
    authorizers = tuple(getattr(door, "authorizers", ())) if door is not None else ()
    rbac = next((a for a in authorizers if isinstance(a, RbacAuthorizer)), None)
    rules: list[Rule] = []
    incomplete = rbac is None
    if rbac is not None:
        rules = await rbac.rules_for(user, namespace)
    if node_name(user) is not None:
        rules += rules_from(NODE_RULES)
        incomplete = True  # the Node authorizer's per-object answers are not rules
    resource_rules = [_resource_rule(r) for r in rules if not r.non_resource_urls]
    non_resource = [
        {"verbs": list(r.verbs), "nonResourceURLs": list(r.non_resource_urls)}
        for r in rules
        if r.non_resource_urls
    ]
    status: dict[str, Any] = {
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource,
        "incomplete": incomplete,
    }
    if rbac is None:
        status["evaluationError"] = "no authorizer of this server can list rules"
    return status
