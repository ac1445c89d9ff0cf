"""Privilege-escalation prevention for RBAC writes, as Kubernetes' RBAC registry: a user may
create or update a Role/ClusterRole only with rules it already holds (or with the ``escalate``
verb on it), and a binding only to a role whose rules it holds (or with the ``bind`` verb on
that role). ``system:masters`` may do anything. Runs on the admission chain; with no
front door on the server (no authorization) it checks nothing, as every verb is allowed then.
"""

from __future__ import annotations

from typing import Any

from microkube.contracts.admission import AdmissionDenied, AdmissionRequest, Operation, UserInfo
from microkube.contracts.auth import AuthorizationAttributes, Decision
from microkube_apiserver.authz.policy import RBAC_GROUP, role_rules
from microkube_apiserver.authz.rbac import SYSTEM_MASTERS, RbacAuthorizer
from microkube_apiserver.authz.rules import Rule, covers, rules_from

__all__ = ["RbacEscalation", "describe_rule"]

_ROLES = ("roles", "clusterroles")
_BINDINGS = ("rolebindings", "clusterrolebindings")


def _go_list(values: tuple[str, ...]) -> str:
    return "[" + " ".join(f'"{v}"' for v in values) + "]"


def describe_rule(rule: Rule) -> str:
    """A rule as Kubernetes prints it: ``{APIGroups:[""], Resources:["pods"], Verbs:["get"]}``."""
    parts = []
    if rule.api_groups:
        parts.append(f"APIGroups:{_go_list(rule.api_groups)}")
    if rule.resources:
        parts.append(f"Resources:{_go_list(rule.resources)}")
    if rule.resource_names:
        parts.append(f"ResourceNames:{_go_list(rule.resource_names)}")
    if rule.non_resource_urls:
        parts.append(f"NonResourceURLs:{_go_list(rule.non_resource_urls)}")
    parts.append(f"Verbs:{_go_list(rule.verbs)}")
    return "{" + ", ".join(parts) + "}"


class RbacEscalation:
    name = "RBACEscalation"

    def __init__(self) -> None:
        self._host: Any = None
        #: our own RBAC index, only when the server's authorizers have none to share
        self._own: RbacAuthorizer | None = None

    def bind_host(self, host: Any) -> None:
        self._host = host

    async def close(self) -> None:
        if self._own is not None:
            await self._own.close()
            self._own = None

    @property
    def _resolver(self) -> RbacAuthorizer:
        """Whose rules say what a user holds: the server's ``rbac`` authorizer, else ours."""
        door = getattr(self._host, "front_door", None)
        for authorizer in getattr(door, "authorizers", ()):
            if isinstance(authorizer, RbacAuthorizer):
                return authorizer
        if self._own is None:
            self._own = RbacAuthorizer()
            self._own.bind_host(self._host)
        return self._own

    def handles(self, request: AdmissionRequest) -> bool:
        return (
            request.resource.group == RBAC_GROUP
            and request.resource.resource in _ROLES + _BINDINGS
            and request.operation in (Operation.CREATE, Operation.UPDATE)
            and not request.subresource
        )

    async def validate(self, request: AdmissionRequest) -> None:
        user = request.user
        authorizer = getattr(self._host, "front_door", None)
        if authorizer is None or SYSTEM_MASTERS in user.groups:
            return
        obj = request.object or {}
        if request.resource.resource in _ROLES:
            if await self._allowed(
                authorizer,
                user,
                "escalate",
                request.resource.resource,
                request.namespace,
                request.name,
            ):
                return
            await self._confirm(user, request.namespace, rules_from(obj.get("rules")))
            return
        ref = obj.get("roleRef") or {}
        kind, role = str(ref.get("kind", "")), str(ref.get("name", ""))
        plural = "clusterroles" if kind == "ClusterRole" else "roles"
        namespace = "" if kind == "ClusterRole" else request.namespace
        if await self._allowed(authorizer, user, "bind", plural, request.namespace, role):
            return
        index = self._resolver.index
        rules = role_rules(index, kind, namespace, role) if index is not None else None
        if rules is None:
            raise AdmissionDenied(
                f'{plural}.{RBAC_GROUP} "{role}" not found', code=404, reason="NotFound"
            )
        await self._confirm(user, request.namespace, rules)

    @staticmethod
    async def _allowed(
        authorizer: Any, user: UserInfo, verb: str, plural: str, namespace: str, name: str
    ) -> bool:
        attributes = AuthorizationAttributes(
            user=user,
            verb=verb,
            api_group=RBAC_GROUP,
            resource=plural,
            namespace=namespace,
            name=name,
        )
        return (await authorizer.authorize(attributes)).decision is Decision.ALLOW

    async def _confirm(self, user: UserInfo, namespace: str, rules: tuple[Rule, ...]) -> None:
        owned = await self._resolver.rules_for(user, namespace)
        missing = covers(owned, rules)
        if missing:
            groups = "[" + " ".join(f'"{g}"' for g in user.groups) + "]"
            held = "\n".join(describe_rule(rule) for rule in missing)
            raise AdmissionDenied(
                f'user "{user.username}" (groups={groups}) is attempting to grant RBAC '
                f"permissions not currently held:\n{held}"
            )
