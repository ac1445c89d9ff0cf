"""Addressing API resources: the :class:`Resource` value, the built-in table, and lookups.

A resource is named the way the REST paths name it (group, version, plural); ``kind`` is what
objects of it say in their ``kind`` field. The built-in table covers the kinds microkube's own
components use; anything else is found through discovery (:meth:`ApiClient.resolve`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

import attrs

#: Verbs of an ordinary resource.
STANDARD_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


class UnknownResourceError(LookupError):
    """No resource of that name, kind or short name is known."""


def _singular(self: Resource) -> str:
    return self.kind.lower()


@attrs.frozen
class Resource:
    """One REST resource: ``/apis/<group>/<version>[/namespaces/<ns>]/<plural>``."""

    group: str
    version: str
    plural: str
    namespaced: bool
    kind: str
    singular: str = attrs.field(default=attrs.Factory(_singular, takes_self=True))
    short_names: tuple[str, ...] = ()
    #: subresources served under ``<plural>/<name>/<subresource>``
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = STANDARD_VERBS

    @property
    def api_version(self) -> str:
        """The ``apiVersion`` of objects of this resource (``v1``, ``apps/v1``)."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """``pods`` or ``deployments.apps``: how Kubernetes names the resource in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def prefix(self) -> str:
        """The group-version path prefix: ``/api/v1`` or ``/apis/<group>/<version>``."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    def path(
        self, namespace: str | None = None, name: str | None = None, subresource: str | None = None
    ) -> str:
        """The REST path; ``namespace=None`` on a namespaced resource means all namespaces."""
        parts = [self.prefix]
        if self.namespaced and namespace:
            parts.append(f"namespaces/{quote(namespace, safe='')}")
        parts.append(self.plural)
        if name is not None:
            if not name:
                raise ValueError(f"{self.group_resource}: empty name")
            parts.append(quote(name, safe=""))
            if subresource:
                parts.append(subresource)
        elif subresource:
            raise ValueError(f"{self.group_resource}: a subresource needs a name")
        return "/".join(parts)


def _r(
    group: str,
    plural: str,
    kind: str,
    namespaced: bool = True,
    short: tuple[str, ...] = (),
    sub: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    verbs: tuple[str, ...] = STANDARD_VERBS,
    version: str = "v1",
) -> Resource:
    return Resource(
        group, version, plural, namespaced, kind, kind.lower(), short, sub, categories, verbs
    )


_ALL = ("all",)

PODS = _r("", "pods", "Pod", short=("po",), sub=("status", "binding", "eviction"), categories=_ALL)
NODES = _r("", "nodes", "Node", False, short=("no",), sub=("status",))
NAMESPACES = _r(
    "",
    "namespaces",
    "Namespace",
    False,
    short=("ns",),
    sub=("status", "finalize"),
    verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
)
SERVICES = _r("", "services", "Service", short=("svc",), sub=("status",), categories=_ALL)
ENDPOINTS = _r("", "endpoints", "Endpoints", short=("ep",))
CONFIGMAPS = _r("", "configmaps", "ConfigMap", short=("cm",))
SECRETS = _r("", "secrets", "Secret")
SERVICEACCOUNTS = _r("", "serviceaccounts", "ServiceAccount", short=("sa",))
EVENTS = _r("", "events", "Event", short=("ev",))
DEPLOYMENTS = _r(
    "apps", "deployments", "Deployment", short=("deploy",), sub=("status", "scale"), categories=_ALL
)
REPLICASETS = _r(
    "apps", "replicasets", "ReplicaSet", short=("rs",), sub=("status", "scale"), categories=_ALL
)
DAEMONSETS = _r("apps", "daemonsets", "DaemonSet", short=("ds",), sub=("status",), categories=_ALL)
STATEFULSETS = _r(
    "apps", "statefulsets", "StatefulSet", short=("sts",), sub=("status", "scale"), categories=_ALL
)
CONTROLLERREVISIONS = _r("apps", "controllerrevisions", "ControllerRevision")
JOBS = _r("batch", "jobs", "Job", sub=("status",), categories=_ALL)
CRONJOBS = _r("batch", "cronjobs", "CronJob", short=("cj",), sub=("status",), categories=_ALL)
LEASES = _r("coordination.k8s.io", "leases", "Lease")
ENDPOINTSLICES = _r("discovery.k8s.io", "endpointslices", "EndpointSlice")
ROLES = _r("rbac.authorization.k8s.io", "roles", "Role")
ROLEBINDINGS = _r("rbac.authorization.k8s.io", "rolebindings", "RoleBinding")
CLUSTERROLES = _r("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", False)
CLUSTERROLEBINDINGS = _r(
    "rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding", False
)
EVENTS_V1 = _r("events.k8s.io", "events", "Event", short=("ev",))
PODDISRUPTIONBUDGETS = _r(
    "policy", "poddisruptionbudgets", "PodDisruptionBudget", short=("pdb",), sub=("status",)
)
HORIZONTALPODAUTOSCALERS = _r(
    "autoscaling",
    "horizontalpodautoscalers",
    "HorizontalPodAutoscaler",
    short=("hpa",),
    sub=("status",),
    categories=_ALL,
    version="v2",
)
PRIORITYCLASSES = _r("scheduling.k8s.io", "priorityclasses", "PriorityClass", False, ("pc",))
_READ_ONLY = ("get", "list")
NODE_METRICS = _r(
    "metrics.k8s.io", "nodes", "NodeMetrics", False, verbs=_READ_ONLY, version="v1beta1"
)
POD_METRICS = _r("metrics.k8s.io", "pods", "PodMetrics", verbs=_READ_ONLY, version="v1beta1")
#: ``policy/v1`` Eviction is served only as the ``pods/<name>/eviction`` subresource.
EVICTION_API_VERSION = "policy/v1"

BUILTIN: tuple[Resource, ...] = (
    PODS,
    NODES,
    NAMESPACES,
    SERVICES,
    ENDPOINTS,
    CONFIGMAPS,
    SECRETS,
    SERVICEACCOUNTS,
    EVENTS,
    DEPLOYMENTS,
    REPLICASETS,
    DAEMONSETS,
    STATEFULSETS,
    CONTROLLERREVISIONS,
    JOBS,
    CRONJOBS,
    LEASES,
    ENDPOINTSLICES,
    ROLES,
    ROLEBINDINGS,
    CLUSTERROLES,
    CLUSTERROLEBINDINGS,
    EVENTS_V1,
    PODDISRUPTIONBUDGETS,
    HORIZONTALPODAUTOSCALERS,
    PRIORITYCLASSES,
    NODE_METRICS,
    POD_METRICS,
)


class ResourceTable:
    """Resources found by plural, ``plural.group``, kind, singular, short name or apiVersion+kind.

    Earlier entries win ambiguous names, as core comes first in discovery (a bare ``events``
    is core/v1).
    """

    def __init__(self, resources: Iterable[Resource] = ()) -> None:
        self._resources: list[Resource] = []
        self._by_name: dict[str, Resource] = {}
        self._by_gvk: dict[tuple[str, str], Resource] = {}
        for resource in resources:
            self.add(resource)

    def add(self, resource: Resource) -> None:
        """Register a resource (a later duplicate of a name does not shadow an earlier one)."""
        self._resources.append(resource)
        self._by_gvk.setdefault((resource.api_version, resource.kind), resource)
        names = {
            resource.plural,
            resource.singular,
            resource.kind.lower(),
            resource.group_resource,
            f"{resource.plural}.{resource.version}.{resource.group}" if resource.group else "",
            *resource.short_names,
        }
        for name in names - {""}:
            self._by_name.setdefault(name.lower(), resource)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self._resources)

    def __len__(self) -> int:
        return len(self._resources)

    def find(self, name: str, api_version: str | None = None) -> Resource | None:
        """The resource for a name (or a kind within ``api_version``), or None."""
        if api_version is not None:
            found = self._by_gvk.get((api_version, name))
            if found is not None:
                return found
            for resource in self._resources:
                if resource.api_version == api_version and name.lower() in (
                    resource.plural,
                    resource.singular,
                    *resource.short_names,
                ):
                    return resource
            return None
        return self._by_name.get(name.lower())

    def lookup(self, name: str, api_version: str | None = None) -> Resource:
        """Like :meth:`find`, raising :class:`UnknownResourceError` naming what was asked."""
        found = self.find(name, api_version)
        if found is None:
            where = f" in {api_version}" if api_version else ""
            raise UnknownResourceError(f'the server doesn\'t have a resource type "{name}"{where}')
        return found

    def for_object(self, obj: dict[str, Any]) -> Resource:
        """The resource of an object, from its ``apiVersion`` and ``kind``."""
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not api_version or not kind:
            raise UnknownResourceError("object has no apiVersion/kind")
        return self.lookup(kind, api_version)


#: The built-in table (a fresh :class:`ResourceTable` per client adds discovered ones).
BUILTIN_TABLE = ResourceTable(BUILTIN)


def resource_from_discovery(group_version: str, entry: dict[str, Any]) -> Resource:
    """A :class:`Resource` from one ``APIResourceList`` entry (not a ``parent/sub`` one)."""
    group, _, version = group_version.rpartition("/")
    return Resource(
        group=group,
        version=version,
        plural=entry["name"],
        namespaced=bool(entry.get("namespaced")),
        kind=entry["kind"],
        singular=entry.get("singularName") or entry["kind"].lower(),
        short_names=tuple(entry.get("shortNames") or ()),
        categories=tuple(entry.get("categories") or ()),
        verbs=tuple(entry.get("verbs") or ()),
    )


def resources_from_discovery(document: dict[str, Any]) -> list[Resource]:
    """Resources of an ``APIResourceList``, with subresources folded into their parents."""
    group_version = document["groupVersion"]
    found: dict[str, Resource] = {}
    subs: dict[str, list[str]] = {}
    for entry in document.get("resources") or ():
        parent, _, sub = entry["name"].partition("/")
        if sub:
            subs.setdefault(parent, []).append(sub)
        else:
            found[parent] = resource_from_discovery(group_version, entry)
    return [
        attrs.evolve(resource, subresources=tuple(subs.get(plural, ())))
        for plural, resource in found.items()
    ]
