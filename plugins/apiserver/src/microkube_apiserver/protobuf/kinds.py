"""Which message each (apiVersion, kind) is encoded as, and the registry of all schemas."""

from __future__ import annotations

import functools
from types import ModuleType

from . import (
    schema_apps,
    schema_authentication,
    schema_authorization,
    schema_autoscaling,
    schema_batch,
    schema_core,
    schema_core_container,
    schema_core_pod,
    schema_core_volume,
    schema_meta,
    schema_networking,
    schema_policy,
    schema_rbac,
    schema_scheduling,
)
from .schema import Registry, build_registry

PACKAGES: tuple[ModuleType, ...] = (
    schema_meta,
    schema_core,
    schema_core_container,
    schema_core_pod,
    schema_core_volume,
    schema_apps,
    schema_batch,
    schema_networking,
    schema_policy,
    schema_rbac,
    schema_autoscaling,
    schema_authentication,
    schema_authorization,
    schema_scheduling,
)

# apiVersion -> (package alias, kinds served from that package)
_BY_GROUP_VERSION: dict[str, tuple[str, tuple[str, ...]]] = {
    "v1": (
        "core",
        (
            "ConfigMap",
            "Namespace",
            "PersistentVolumeClaim",
            "Pod",
            "PodTemplate",
            "ResourceQuota",
            "Secret",
            "Service",
            "ServiceAccount",
        ),
    ),
    "apps/v1": (
        "apps",
        ("ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"),
    ),
    "batch/v1": ("batch", ("CronJob", "Job")),
    "networking.k8s.io/v1": ("networking", ("Ingress", "IngressClass")),
    "policy/v1": ("policy", ("Eviction", "PodDisruptionBudget")),
    "rbac.authorization.k8s.io/v1": (
        "rbac",
        ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"),
    ),
    "autoscaling/v1": ("autoscaling", ("HorizontalPodAutoscaler", "Scale")),
    "scheduling.k8s.io/v1": ("scheduling", ("PriorityClass",)),
    "authentication.k8s.io/v1": (
        "authentication",
        ("SelfSubjectReview", "TokenRequest", "TokenReview"),
    ),
    "authorization.k8s.io/v1": (
        "authorization",
        (
            "LocalSubjectAccessReview",
            "SelfSubjectAccessReview",
            "SelfSubjectRulesReview",
            "SubjectAccessReview",
        ),
    ),
}

KINDS: dict[tuple[str, str], str] = {
    (api_version, kind): f"{alias}.{kind}"
    for api_version, (alias, kinds) in _BY_GROUP_VERSION.items()
    for kind in kinds
}


@functools.cache
def default_registry() -> Registry:
    """Every schema of this package, parsed and cross-checked once, on first use."""
    return build_registry(((module.ALIAS, module.SCHEMA) for module in PACKAGES), KINDS)
