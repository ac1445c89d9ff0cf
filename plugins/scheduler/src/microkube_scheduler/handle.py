"""The ``FrameworkHandle`` given to plugin factories: the scheduler's snapshot (its cache),
the API client, and lookups the default plugins need (namespace labels for affinity
namespace selectors, the owners' selectors for default topology spread constraints)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from microkube.client.errors import ApiError
from microkube.client.resources import UnknownResourceError
from microkube.client.store import Store
from microkube.selectors import SelectorError, label_selector_matcher
from microkube_scheduler.cache import SchedulerCache
from microkube_scheduler.nodeinfo import NodeInfo
from microkube_scheduler.nominator import Nominator
from microkube_scheduler.podinfo import PodInfo

log = logging.getLogger(__name__)

#: What ``ClusterLookups`` reads: (attribute, resource).
LOOKUP_RESOURCES = (
    ("namespaces", "namespaces"),
    ("services", "services"),
    ("replication_controllers", "replicationcontrollers"),
    ("replica_sets", "replicasets"),
    ("stateful_sets", "statefulsets"),
)


async def served(api: Any, resource: str) -> bool:
    """Does the API server serve ``resource``? (A lookup it lacks is left empty.)"""
    try:
        api.resource(resource)
        return True
    except UnknownResourceError:
        pass
    try:
        await api.resolve(resource)
    except (UnknownResourceError, ApiError):
        log.info("the API server does not serve %s; the scheduler goes without", resource)
        return False
    return True


class ClusterLookups:
    """Read-only views of informer stores (filled in when the informers exist)."""

    def __init__(self) -> None:
        self.namespaces: Store | None = None
        self.services: Store | None = None
        self.replication_controllers: Store | None = None
        self.replica_sets: Store | None = None
        self.stateful_sets: Store | None = None

    def namespace_labels(self, namespace: str) -> Mapping[str, str]:
        if self.namespaces is None:
            return {}
        found = self.namespaces.get_by(namespace)
        return ((found or {}).get("metadata") or {}).get("labels") or {}

    def default_selector(self, info: PodInfo) -> Callable[[Mapping[str, str]], bool] | None:
        """As upstream ``helper.DefaultSelector``: the selectors of the Services,
        ReplicationControllers, ReplicaSets and StatefulSets selecting the pod, ANDed; None
        when nothing selects it."""
        labels = info.labels
        predicates: list[Callable[[Mapping[str, str]], bool]] = []
        for store in (self.services, self.replication_controllers):
            for obj in _in_namespace(store, info.namespace):
                selector = (obj.get("spec") or {}).get("selector") or {}
                if selector and all(labels.get(k) == v for k, v in selector.items()):
                    items = tuple(selector.items())
                    predicates.append(
                        lambda values, items=items: all(values.get(k) == v for k, v in items)
                    )
        for store in (self.replica_sets, self.stateful_sets):
            for obj in _in_namespace(store, info.namespace):
                selector = (obj.get("spec") or {}).get("selector")
                if not selector:
                    continue
                try:
                    matcher = label_selector_matcher(selector)
                except SelectorError:
                    continue
                if matcher(labels):
                    predicates.append(matcher)
        if not predicates:
            return None
        return lambda values: all(p(values) for p in predicates)


def _in_namespace(store: Store | None, namespace: str) -> Sequence[dict[str, Any]]:
    if store is None:
        return ()
    try:
        return store.by_index("namespace", namespace)
    except KeyError:
        return [o for o in store.list() if (o.get("metadata") or {}).get("namespace") == namespace]


class SchedulerHandle:
    """Implements :class:`microkube.contracts.scheduling.FrameworkHandle` (one per profile;
    ``framework`` is that profile's, set once it is built)."""

    def __init__(
        self,
        cache: SchedulerCache,
        client: Any,
        *,
        nominator: Nominator,
        waiting_pods: Any,
        recorder: Any = None,
        lookups: ClusterLookups | None = None,
    ) -> None:
        self.cache = cache
        self._client = client
        self.nominator = nominator
        self.waiting_pods = waiting_pods
        self.recorder = recorder
        self.lookups = lookups or ClusterLookups()
        self.framework: Any = None

    def node_infos(self) -> Sequence[NodeInfo]:
        return self.cache.node_list()

    def get_node_info(self, name: str) -> NodeInfo | None:
        return self.cache.get(name)

    @property
    def client(self) -> Any:
        return self._client

    def nodes_with_affinity_pods(
        self, nodes: Sequence[NodeInfo], *, required_anti_affinity: bool = False
    ) -> list[NodeInfo]:
        """Those of ``nodes`` holding pods with (anti-)affinity terms: from the cache's index
        when ``nodes`` is the cache's own list, else by looking."""
        if nodes is self.cache.node_list():
            return self.cache.nodes_with_affinity_pods(
                required_anti_affinity=required_anti_affinity
            )
        if required_anti_affinity:
            return [n for n in nodes if n.pods_with_required_anti_affinity]
        return [n for n in nodes if n.pods_with_affinity]

    def placed_pods(
        self, nodes: Sequence[NodeInfo], namespaces: frozenset[str]
    ) -> list[tuple[NodeInfo, PodInfo]] | None:
        """(node, pod) for the pods of ``namespaces`` placed on ``nodes`` — from the cache's
        namespace index when ``nodes`` is the cache's own list; None otherwise (scan)."""
        if nodes is not self.cache.node_list():
            return None
        found = []
        for namespace in namespaces:
            for info in self.cache.pods_in_namespace(namespace):
                node = self.cache.get(info.node_name)
                if node is not None:
                    found.append((node, info))
        return found

    def topology_domains(
        self, nodes: Sequence[NodeInfo], keys: Sequence[str]
    ) -> tuple[set[str] | None, dict[str, set[str]]] | None:
        """For ``nodes`` being the cache's own list: the names of the nodes carrying every
        key (None when there is one key: every node carrying it) and each key's values among
        them — from the cache's label index; None otherwise (scan)."""
        if nodes is not self.cache.node_list():
            return None
        distinct = list(dict.fromkeys(keys))
        by_key = {key: self.cache.label_values(key) for key in distinct}
        if len(distinct) == 1:
            key = distinct[0]
            return None, {key: {v for v, names in by_key[key].items() if names}}
        qualified: set[str] | None = None
        for values in by_key.values():
            carrying = set().union(*values.values()) if values else set()
            qualified = carrying if qualified is None else qualified & carrying
        qualified = qualified or set()
        domains = {
            key: {v for v, names in values.items() if not names.isdisjoint(qualified)}
            for key, values in by_key.items()
        }
        return qualified, domains

    def any_node(self, nodes: Sequence[NodeInfo], flag: str) -> bool | None:
        """Is any of ``nodes`` ``tainted`` (NoSchedule/NoExecute) or ``cordoned``? From the
        cache's index when ``nodes`` is its own list; None otherwise (look)."""
        if nodes is not self.cache.node_list():
            return None
        return bool(getattr(self.cache, flag))

    @property
    def image_nodes(self) -> Mapping[str, int]:
        return self.cache.image_nodes

    def namespace_labels(self, namespace: str) -> Mapping[str, str]:
        return self.lookups.namespace_labels(namespace)

    def default_selector(self, info: PodInfo) -> Callable[[Mapping[str, str]], bool] | None:
        return self.lookups.default_selector(info)
