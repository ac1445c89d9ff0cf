"""The RBAC objects, indexed for authorization: roles by name, bindings by subject.

Four :class:`ObjectCache` follow the store (Roles, ClusterRoles, RoleBindings,
ClusterRoleBindings); the subject index over the bindings is rebuilt when a binding changed,
on the next question, so a storm of binding writes costs one rebuild.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from microkube.contracts.admission import UserInfo
from microkube.contracts.storage import Storage
from microkube_apiserver.admission.object_cache import ObjectCache
from microkube_apiserver.authz.rules import Rule, rules_from
from microkube_apiserver.authz.waiting import wait_until
from microkube_apiserver.store import keys

__all__ = ["RBAC_GROUP", "Binding", "PolicyIndex", "service_account_username"]

RBAC_GROUP = "rbac.authorization.k8s.io"


def service_account_username(namespace: str, name: str) -> str:
    return f"system:serviceaccount:{namespace}:{name}"


@attrs.frozen
class Binding:
    """A RoleBinding or ClusterRoleBinding: which role, for whom (subject keys)."""

    kind: str  # "RoleBinding" or "ClusterRoleBinding"
    name: str
    namespace: str
    role_kind: str  # "Role" or "ClusterRole"
    role_name: str
    subjects: tuple[tuple[str, str], ...]  # ("User"|"Group", name); SAs as their user name

    def describe(self, subject: tuple[str, str]) -> str:
        """Kubernetes' reason: ``RoleBinding "x/ns" of Role "r" to User "u"``."""
        where = f"{self.name}/{self.namespace}" if self.namespace else self.name
        kind, name = subject
        return f'{self.kind} "{where}" of {self.role_kind} "{self.role_name}" to {kind} "{name}"'


def _subjects(subjects: Any, namespace: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for subject in subjects if isinstance(subjects, list) else ():
        if not isinstance(subject, dict):
            continue
        kind, name = subject.get("kind"), subject.get("name")
        if not isinstance(name, str) or not name:
            continue
        if kind in ("User", "Group"):
            out.append((kind, name))
        elif kind == "ServiceAccount":
            # upstream: the subject's namespace, else the binding's; none means no match
            sa_namespace = subject.get("namespace") or namespace
            if sa_namespace:
                out.append(("User", service_account_username(sa_namespace, name)))
    return tuple(out)


def _binding(kind: str) -> Any:
    def project(obj: Any) -> Binding:
        meta = obj.get("metadata") or {}
        ref = obj.get("roleRef") or {}
        return Binding(
            kind=kind,
            name=str(meta.get("name", "")),
            namespace=str(meta.get("namespace", "") or ""),
            role_kind=str(ref.get("kind", "")),
            role_name=str(ref.get("name", "")),
            subjects=_subjects(obj.get("subjects"), str(meta.get("namespace", "") or "")),
        )

    return project


def _role_rules(obj: Any) -> tuple[Rule, ...]:
    return rules_from(obj.get("rules"))


def subject_keys(user: UserInfo) -> list[tuple[str, str]]:
    return [("User", user.username), *(("Group", g) for g in user.groups)]


class PolicyIndex:
    """Roles and bindings from the store; ``bindings_for`` answers from the subject index."""

    def __init__(self, storage: Storage) -> None:
        self.roles = ObjectCache(storage, keys.prefix(RBAC_GROUP, "roles"), _role_rules)
        self.cluster_roles = ObjectCache(
            storage, keys.prefix(RBAC_GROUP, "clusterroles"), _role_rules
        )
        self.role_bindings = ObjectCache(
            storage, keys.prefix(RBAC_GROUP, "rolebindings"), _binding("RoleBinding")
        )
        self.cluster_role_bindings = ObjectCache(
            storage,
            keys.prefix(RBAC_GROUP, "clusterrolebindings"),
            _binding("ClusterRoleBinding"),
        )
        self._caches = (
            self.roles,
            self.cluster_roles,
            self.role_bindings,
            self.cluster_role_bindings,
        )
        self._built_at: tuple[int, int] = (-1, -1)
        #: subject -> cluster-wide bindings; namespace -> subject -> bindings
        self._cluster: dict[tuple[str, str], list[Binding]] = {}
        self._namespaced: dict[str, dict[tuple[str, str], list[Binding]]] = {}

    def start(self) -> None:
        for cache in self._caches:
            cache.start()

    async def close(self) -> None:
        for cache in self._caches:
            await cache.close()

    @property
    def synced(self) -> bool:
        return all(cache.synced for cache in self._caches)

    async def wait_synced(self) -> bool:
        return await wait_until(lambda: self.synced)

    def rules_of(self, binding: Binding) -> tuple[Rule, ...]:
        if binding.role_kind == "ClusterRole":
            return self.cluster_roles.get(binding.role_name) or ()
        if binding.role_kind == "Role" and binding.namespace:
            return self.roles.get(f"{binding.namespace}/{binding.role_name}") or ()
        return ()

    def bindings_for(
        self, user: UserInfo, namespace: str
    ) -> Iterator[tuple[Binding, tuple[str, str]]]:
        """The bindings that apply to ``user``: cluster-wide ones, then those of
        ``namespace`` (if any), each with the subject it matched."""
        self._refresh()
        subjects = subject_keys(user)
        for subject in subjects:
            for binding in self._cluster.get(subject, ()):
                yield binding, subject
        if namespace:
            local = self._namespaced.get(namespace, {})
            for subject in subjects:
                for binding in local.get(subject, ()):
                    yield binding, subject

    def _refresh(self) -> None:
        stamp = (self.role_bindings.generation, self.cluster_role_bindings.generation)
        if stamp == self._built_at:
            return
        cluster: dict[tuple[str, str], list[Binding]] = {}
        for binding in self.cluster_role_bindings.values():
            if binding.role_kind != "ClusterRole":
                continue
            for subject in binding.subjects:
                cluster.setdefault(subject, []).append(binding)
        namespaced: dict[str, dict[tuple[str, str], list[Binding]]] = {}
        for binding in self.role_bindings.values():
            local = namespaced.setdefault(binding.namespace, {})
            for subject in binding.subjects:
                local.setdefault(subject, []).append(binding)
        self._cluster, self._namespaced, self._built_at = cluster, namespaced, stamp


def role_rules(index: PolicyIndex, kind: str, namespace: str, name: str) -> tuple[Rule, ...] | None:
    """The rules of a Role (``namespace``/``name``) or ClusterRole, None if unknown."""
    if kind == "ClusterRole":
        return index.cluster_roles.get(name)
    return index.roles.get(f"{namespace}/{name}")
