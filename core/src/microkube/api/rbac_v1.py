"""rbac.authorization.k8s.io/v1: Role, ClusterRole and their bindings."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.meta_v1 import LabelSelector, ListMeta, ObjectMeta

GROUP_VERSION = "rbac.authorization.k8s.io/v1"


@model
class PolicyRule:
    verbs: list[str] | None = field()
    api_groups: list[str] | None = field()
    resources: list[str] | None = field()
    resource_names: list[str] | None = field()
    non_resource_urls: list[str] | None = field(json="nonResourceURLs")


@model
class AggregationRule:
    """Selects ClusterRoles whose rules the controller-manager merges into this one."""

    cluster_role_selectors: list[LabelSelector] | None = field()


@model
class Subject:
    kind: str | None = field()  # "User", "Group" or "ServiceAccount"
    api_group: str | None = field()
    name: str | None = field()
    namespace: str | None = field()


@model
class RoleRef:
    api_group: str | None = field()
    kind: str | None = field()  # "Role" or "ClusterRole"
    name: str | None = field()


@model
class Role:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="Role")
    metadata: ObjectMeta | None = field()
    rules: list[PolicyRule] | None = field()


@model
class RoleList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="RoleList")
    metadata: ListMeta | None = field()
    items: list[Role] | None = field()


@model
class ClusterRole:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ClusterRole")
    metadata: ObjectMeta | None = field()
    rules: list[PolicyRule] | None = field()
    aggregation_rule: AggregationRule | None = field()


@model
class ClusterRoleList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ClusterRoleList")
    metadata: ListMeta | None = field()
    items: list[ClusterRole] | None = field()


@model
class RoleBinding:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="RoleBinding")
    metadata: ObjectMeta | None = field()
    subjects: list[Subject] | None = field()
    role_ref: RoleRef | None = field()


@model
class RoleBindingList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="RoleBindingList")
    metadata: ListMeta | None = field()
    items: list[RoleBinding] | None = field()


@model
class ClusterRoleBinding:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ClusterRoleBinding")
    metadata: ObjectMeta | None = field()
    subjects: list[Subject] | None = field()
    role_ref: RoleRef | None = field()


@model
class ClusterRoleBindingList:
    api_version: str = field(default=GROUP_VERSION)
    kind: str = field(default="ClusterRoleBindingList")
    metadata: ListMeta | None = field()
    items: list[ClusterRoleBinding] | None = field()


KINDS: tuple[type, ...] = (
    Role,
    RoleList,
    ClusterRole,
    ClusterRoleList,
    RoleBinding,
    RoleBindingList,
    ClusterRoleBinding,
    ClusterRoleBindingList,
)
