"""The served resources as data: what discovery advertises and what the server routes.

A :class:`Catalogue` is a value the server is given; later work adds kinds with
:meth:`Catalogue.with_resources` rather than by editing a table here. Names, short names,
categories, verbs and subresources follow Kubernetes 1.32 for the kinds in
:data:`BUILTIN_RESOURCES`.

Deliberately absent, because nothing serves them yet: the ``proxy`` subresources of pods, nodes
and services, ``pods/ephemeralcontainers``, and the core kinds microkube has no models for
(``replicationcontrollers``, ``resourcequotas``, ``limitranges``, ``componentstatuses``, ...).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

__all__ = [
    "BUILTIN_RESOURCES",
    "DEFAULT_CATALOGUE",
    "STANDARD_VERBS",
    "Catalogue",
    "GroupVersionKind",
    "Resource",
    "Subresource",
    "storage_version_hash",
]

#: Verbs of an ordinary resource, in the order Kubernetes lists them.
STANDARD_VERBS: tuple[str, ...] = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)
_STATUS_VERBS = ("get", "patch", "update")


def _api_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


def storage_version_hash(group: str, version: str, kind: str) -> str:
    """The ``storageVersionHash`` of legacy discovery: base64 of sha256("g/v/kind")[:8].

    Kubernetes derives it the same way (core has the empty group: ``/v1/Pod``).
    """
    digest = hashlib.sha256(f"{group}/{version}/{kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode("ascii")


@attrs.frozen
class GroupVersionKind:
    group: str
    version: str
    kind: str

    @property
    def api_version(self) -> str:
        return _api_version(self.group, self.version)

    def to_dict(self) -> dict[str, str]:
        """The ``{group, version, kind}`` object discovery and OpenAPI write."""
        return {"group": self.group, "version": self.version, "kind": self.kind}


@attrs.frozen
class Subresource:
    """``<plural>/<name>/<subresource>``; ``kind`` etc. describe its request/response body.

    ``group``/``version`` None mean the parent's (``pods/status`` is a Pod); an eviction is a
    ``policy/v1`` Eviction, a scale an ``autoscaling/v1`` Scale.
    """

    name: str
    kind: str
    verbs: tuple[str, ...]
    group: str | None = None
    version: str | None = None


@attrs.frozen
class Resource:
    """One REST resource: ``/apis/<group>/<version>[/namespaces/<ns>]/<plural>``."""

    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...] = STANDARD_VERBS
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[Subresource, ...] = ()
    #: the GVK objects are stored as, when not this one (events.k8s.io Events are core Events)
    storage: GroupVersionKind | None = None

    @property
    def api_version(self) -> str:
        """``v1`` or ``apps/v1``."""
        return _api_version(self.group, self.version)

    @property
    def gvk(self) -> GroupVersionKind:
        return GroupVersionKind(self.group, self.version, self.kind)

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def group_resource(self) -> str:
        """``pods`` or ``deployments.apps``: how Kubernetes names the resource in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def storage_version_hash(self) -> str:
        stored = self.storage or self.gvk
        return storage_version_hash(stored.group, stored.version, stored.kind)

    def subresource(self, name: str) -> Subresource | None:
        return next((s for s in self.subresources if s.name == name), None)

    def subresource_gvk(self, sub: Subresource) -> GroupVersionKind:
        """The GVK of a subresource's body, its own group/version defaulting to the parent's."""
        group = self.group if sub.group is None else sub.group
        version = self.version if sub.version is None else sub.version
        return GroupVersionKind(group, version, sub.kind)


@attrs.frozen
class Catalogue:
    """The resources a server serves, in discovery order (core first, then groups).

    Group order is the order of first appearance; within a group-version, resources are
    listed by name as Kubernetes lists them.
    """

    resources: tuple[Resource, ...]
    _by_path: dict[tuple[str, str, str], Resource] = attrs.field(
        init=False, factory=dict, eq=False, repr=False
    )
    _by_kind: dict[tuple[str, str], Resource] = attrs.field(
        init=False, factory=dict, eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        for r in self.resources:
            key = (r.group, r.version, r.plural)
            if key in self._by_path:
                raise ValueError(f"resource {r.plural} is listed twice in {r.api_version}")
            self._by_path[key] = r
            self._by_kind.setdefault((r.api_version, r.kind), r)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def with_resources(self, *added: Resource) -> Catalogue:
        """A catalogue with ``added`` (replacing any entry of the same group/version/plural)."""
        keys = {(r.group, r.version, r.plural) for r in added}
        kept = [r for r in self.resources if (r.group, r.version, r.plural) not in keys]
        return Catalogue((*kept, *added))

    def get(self, group: str, version: str, plural: str) -> Resource | None:
        """The resource served at ``group/version/plural``, or None."""
        return self._by_path.get((group, version, plural))

    def for_kind(self, api_version: str, kind: str) -> Resource | None:
        """The resource whose objects are ``apiVersion``/``kind``, or None."""
        return self._by_kind.get((api_version, kind))

    def groups(self) -> list[str]:
        """Named groups (not core) in discovery order."""
        return list(dict.fromkeys(r.group for r in self.resources if r.group))

    def versions(self, group: str) -> list[str]:
        """Versions of ``group`` in the order given; the first is the preferred version."""
        return list(dict.fromkeys(r.version for r in self.resources if r.group == group))

    def group_versions(self) -> list[tuple[str, str]]:
        """Every served (group, version), core first."""
        core = [("", v) for v in self.versions("")]
        return core + [(g, v) for g in self.groups() for v in self.versions(g)]

    def in_group_version(self, group: str, version: str) -> list[Resource]:
        """The resources of one group-version, sorted by plural."""
        found = (r for r in self.resources if (r.group, r.version) == (group, version))
        return sorted(found, key=lambda r: r.plural)


def _sub(name: str, kind: str, verbs: Iterable[str], api_version: str | None = None) -> Subresource:
    if api_version is None:
        return Subresource(name, kind, tuple(verbs))
    group, _, version = api_version.rpartition("/")
    return Subresource(name, kind, tuple(verbs), group, version)


def _status(kind: str) -> Subresource:
    return _sub("status", kind, _STATUS_VERBS)


_SCALE = _sub("scale", "Scale", _STATUS_VERBS, "autoscaling/v1")
_ALL = ("all",)


def _resource(
    group: str,
    plural: str,
    kind: str,
    *,
    namespaced: bool = True,
    short: tuple[str, ...] = (),
    singular: str | None = None,
    verbs: tuple[str, ...] = STANDARD_VERBS,
    categories: tuple[str, ...] = (),
    subresources: tuple[Subresource, ...] = (),
    storage: GroupVersionKind | None = None,
) -> Resource:
    return Resource(
        group=group,
        version="v1",
        plural=plural,
        singular=singular or kind.lower(),
        kind=kind,
        namespaced=namespaced,
        verbs=verbs,
        short_names=short,
        categories=categories,
        subresources=subresources,
        storage=storage,
    )


def _core(plural: str, kind: str, **kw: Any) -> Resource:
    return _resource("", plural, kind, **kw)


_POD_SUBRESOURCES = (
    _sub("attach", "PodAttachOptions", ("create", "get")),
    _sub("binding", "Binding", ("create",)),
    _sub("eviction", "Eviction", ("create",), "policy/v1"),
    _sub("exec", "PodExecOptions", ("create", "get")),
    _sub("log", "Pod", ("get",)),
    _sub("portforward", "PodPortForwardOptions", ("create", "get")),
    _status("Pod"),
)
_RBAC = "rbac.authorization.k8s.io"
_AUTHZ = "authorization.k8s.io"
_CREATE = ("create",)

#: The kinds of issue 3 (and the workload kinds beside them), as Kubernetes 1.32 names them.
BUILTIN_RESOURCES: tuple[Resource, ...] = (
    # core/v1
    _core("bindings", "Binding", verbs=("create",)),
    _core("configmaps", "ConfigMap", short=("cm",)),
    _core("endpoints", "Endpoints", short=("ep",), singular="endpoints"),
    _core("events", "Event", short=("ev",)),
    _core(
        "namespaces",
        "Namespace",
        namespaced=False,
        short=("ns",),
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
        subresources=(_sub("finalize", "Namespace", ("update",)), _status("Namespace")),
    ),
    _core("nodes", "Node", namespaced=False, short=("no",), subresources=(_status("Node"),)),
    _core(
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        short=("pvc",),
        subresources=(_status("PersistentVolumeClaim"),),
    ),
    _core(
        "persistentvolumes",
        "PersistentVolume",
        namespaced=False,
        short=("pv",),
        subresources=(_status("PersistentVolume"),),
    ),
    _core("pods", "Pod", short=("po",), categories=_ALL, subresources=_POD_SUBRESOURCES),
    _core("secrets", "Secret"),
    _core(
        "serviceaccounts",
        "ServiceAccount",
        short=("sa",),
        subresources=(_sub("token", "TokenRequest", ("create",), "authentication.k8s.io/v1"),),
    ),
    _core(
        "services", "Service", short=("svc",), categories=_ALL, subresources=(_status("Service"),)
    ),
    # apps/v1
    _resource("apps", "controllerrevisions", "ControllerRevision"),
    _resource(
        "apps",
        "daemonsets",
        "DaemonSet",
        short=("ds",),
        categories=_ALL,
        subresources=(_status("DaemonSet"),),
    ),
    _resource(
        "apps",
        "deployments",
        "Deployment",
        short=("deploy",),
        categories=_ALL,
        subresources=(_SCALE, _status("Deployment")),
    ),
    _resource(
        "apps",
        "replicasets",
        "ReplicaSet",
        short=("rs",),
        categories=_ALL,
        subresources=(_SCALE, _status("ReplicaSet")),
    ),
    _resource(
        "apps",
        "statefulsets",
        "StatefulSet",
        short=("sts",),
        categories=_ALL,
        subresources=(_SCALE, _status("StatefulSet")),
    ),
    # events.k8s.io/v1 (stored as core Events, hence core's storage version hash)
    _resource(
        "events.k8s.io",
        "events",
        "Event",
        short=("ev",),
        storage=GroupVersionKind("", "v1", "Event"),
    ),
    # batch/v1
    _resource(
        "batch",
        "cronjobs",
        "CronJob",
        short=("cj",),
        categories=_ALL,
        subresources=(_status("CronJob"),),
    ),
    _resource("batch", "jobs", "Job", categories=_ALL, subresources=(_status("Job"),)),
    # policy/v1
    _resource(
        "policy",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        short=("pdb",),
        subresources=(_status("PodDisruptionBudget"),),
    ),
    # rbac.authorization.k8s.io/v1
    _resource(_RBAC, "clusterrolebindings", "ClusterRoleBinding", namespaced=False),
    _resource(_RBAC, "clusterroles", "ClusterRole", namespaced=False),
    _resource(_RBAC, "rolebindings", "RoleBinding"),
    _resource(_RBAC, "roles", "Role"),
    # admissionregistration.k8s.io/v1
    _resource(
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        namespaced=False,
    ),
    _resource(
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        namespaced=False,
    ),
    # authorization.k8s.io/v1, authentication.k8s.io/v1: reviews, answered and never stored
    _resource(_AUTHZ, "localsubjectaccessreviews", "LocalSubjectAccessReview", verbs=_CREATE),
    *(
        _resource(_AUTHZ, plural, kind, namespaced=False, verbs=_CREATE)
        for plural, kind in (
            ("selfsubjectaccessreviews", "SelfSubjectAccessReview"),
            ("selfsubjectrulesreviews", "SelfSubjectRulesReview"),
            ("subjectaccessreviews", "SubjectAccessReview"),
        )
    ),
    _resource(
        "authentication.k8s.io",
        "selfsubjectreviews",
        "SelfSubjectReview",
        namespaced=False,
        verbs=_CREATE,
    ),
    # coordination.k8s.io/v1, discovery.k8s.io/v1
    _resource("coordination.k8s.io", "leases", "Lease"),
    _resource("discovery.k8s.io", "endpointslices", "EndpointSlice"),
    # autoscaling: v2 (preferred, the stored version) and v1 (what `kubectl autoscale` posts)
    *(
        attrs.evolve(
            _resource(
                "autoscaling",
                "horizontalpodautoscalers",
                "HorizontalPodAutoscaler",
                short=("hpa",),
                categories=_ALL,
                subresources=(_status("HorizontalPodAutoscaler"),),
                storage=GroupVersionKind("autoscaling", "v2", "HorizontalPodAutoscaler"),
            ),
            version=version,
        )
        for version in ("v2", "v1")
    ),
    # scheduling.k8s.io/v1
    _resource(
        "scheduling.k8s.io", "priorityclasses", "PriorityClass", namespaced=False, short=("pc",)
    ),
    # metrics.k8s.io/v1beta1: read-only, computed from the kubelets (metrics-server's API)
    *(
        attrs.evolve(
            _resource(
                "metrics.k8s.io", plural, kind, namespaced=plural == "pods", verbs=("get", "list")
            ),
            version="v1beta1",
            singular="",
        )
        for plural, kind in (("nodes", "NodeMetrics"), ("pods", "PodMetrics"))
    ),
)

#: What a default microkube API server serves.
DEFAULT_CATALOGUE = Catalogue(BUILTIN_RESOURCES)
