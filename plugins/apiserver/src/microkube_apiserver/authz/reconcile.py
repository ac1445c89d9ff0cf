"""Reconciling the bootstrap policy at start, as kube-apiserver's RBAC post-start hook: a
missing default role or binding is created; an existing one annotated
``rbac.authorization.kubernetes.io/autoupdate: "true"`` gets back the rules or subjects it
lacks (extra ones a user added are kept); one annotated ``"false"`` is left alone."""

from __future__ import annotations

import copy
from typing import Any

from microkube.contracts.admission import UserInfo
from microkube_apiserver import errors
from microkube_apiserver.authz.bootstrap_policy import (
    AUTOUPDATE,
    CLUSTER_ROLE_BINDINGS,
    CLUSTER_ROLES,
    ROLE_BINDINGS,
    ROLES,
    bootstrap_metadata,
)
from microkube_apiserver.authz.policy import RBAC_GROUP
from microkube_apiserver.registry.context import Api, Target, WriteOptions
from microkube_apiserver.registry.create import create_object
from microkube_apiserver.registry.decoding import normalize
from microkube_apiserver.registry.meta import prepare_update
from microkube_apiserver.registry.objects import read
from microkube_apiserver.registry.update import guaranteed_update

__all__ = ["APISERVER_USER", "reconcile_bootstrap_policy"]

#: Who writes the bootstrap policy (kube-apiserver's loopback identity).
APISERVER_USER = UserInfo(username="system:apiserver", groups=("system:masters",))
_OPTIONS = WriteOptions(
    field_manager="kube-apiserver", field_validation="Strict", user=APISERVER_USER
)
_API_VERSION = f"{RBAC_GROUP}/v1"


def _missing(wanted: list[Any], present: Any) -> list[Any]:
    have = present if isinstance(present, list) else []
    return [item for item in wanted if item not in have]


async def _reconcile(
    api: Api, plural: str, obj: dict[str, Any], field: str, namespace: str = ""
) -> None:
    resource = api.resource(RBAC_GROUP, plural)
    if resource is None:
        return
    name = obj["metadata"]["name"]
    target = Target(resource, namespace=namespace, name=name)
    obj, _ = normalize(obj, resource.gvk, "Strict")
    current: dict[str, Any] | None
    try:
        current, _ = await read(api, target)
    except errors.ApiError as exc:
        if exc.code != 404:
            raise
        current = None
    if current is None:
        try:
            await create_object(api, Target(resource, namespace=namespace), obj, _OPTIONS)
        except errors.ApiError as exc:
            if exc.code != 409:
                raise
        return
    annotations = (current.get("metadata") or {}).get("annotations") or {}
    if annotations.get(AUTOUPDATE) == "false":
        return
    if not _missing(obj.get(field) or [], current.get(field)):
        return

    async def transform(existing: dict[str, Any]) -> dict[str, Any]:
        new = copy.deepcopy(existing)
        new[field] = list(existing.get(field) or []) + _missing(
            obj.get(field) or [], existing.get(field)
        )
        prepare_update(new, existing, target)
        return new

    await guaranteed_update(api, target, transform, _OPTIONS)


async def reconcile_bootstrap_policy(api: Api) -> None:
    """Make the default ClusterRoles, ClusterRoleBindings, Roles and RoleBindings exist (and
    be complete)."""
    for name, rules in CLUSTER_ROLES.items():
        role = {
            "apiVersion": _API_VERSION,
            "kind": "ClusterRole",
            "metadata": bootstrap_metadata(name),
            "rules": copy.deepcopy(rules),
        }
        await _reconcile(api, "clusterroles", role, "rules")
    for name, (role_name, subjects) in CLUSTER_ROLE_BINDINGS.items():
        binding = {
            "apiVersion": _API_VERSION,
            "kind": "ClusterRoleBinding",
            "metadata": bootstrap_metadata(name),
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role_name},
            "subjects": copy.deepcopy(subjects),
        }
        await _reconcile(api, "clusterrolebindings", binding, "subjects")
    for (namespace, name), rules in ROLES.items():
        role = {
            "apiVersion": _API_VERSION,
            "kind": "Role",
            "metadata": bootstrap_metadata(name),
            "rules": copy.deepcopy(rules),
        }
        await _reconcile(api, "roles", role, "rules", namespace)
    for (namespace, name), (role_name, subjects) in ROLE_BINDINGS.items():
        binding = {
            "apiVersion": _API_VERSION,
            "kind": "RoleBinding",
            "metadata": bootstrap_metadata(name),
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": "Role", "name": role_name},
            "subjects": copy.deepcopy(subjects),
        }
        await _reconcile(api, "rolebindings", binding, "subjects", namespace)
