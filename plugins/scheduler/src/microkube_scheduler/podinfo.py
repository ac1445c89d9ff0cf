"""``PodInfo``: a pod with what the scheduler reads of it again and again computed once —
key, labels, priority, requests, host ports and parsed (anti-)affinity terms."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from microkube_scheduler.resources import host_ports, pod_requests
from microkube_scheduler.selectors import LabelPredicate, label_selector_predicate

NamespaceLabels = Callable[[str], Mapping[str, str]]


def pod_key(pod: Any) -> str:
    return f"{pod.metadata.namespace}/{pod.metadata.name}"


def priority_of(pod: Any) -> int:
    """``spec.priority`` (filled from the PriorityClass by admission), default 0."""
    return pod.spec.priority or 0


class AffinityTerm:
    """One (anti-)affinity term resolved for matching: which namespaces, which labels, and the
    topology key whose domains it speaks about."""

    __slots__ = ("namespace_selector", "namespaces", "selector", "topology_key", "weight")

    def __init__(self, term: Any, owner: Any, weight: int = 0) -> None:
        self.topology_key: str = term.topology_key or ""
        self.weight = weight
        names = set(term.namespaces or ())
        self.namespace_selector: LabelPredicate | None = None
        if term.namespace_selector is not None:
            self.namespace_selector = label_selector_predicate(term.namespace_selector)
        elif not names:
            names.add(owner.metadata.namespace)
        self.namespaces = frozenset(names)
        selector = term.label_selector
        labels = owner.metadata.labels or {}
        extra = []
        for key in term.match_label_keys or ():
            if key in labels:
                extra.append(("In", key, labels[key]))
        for key in term.mismatch_label_keys or ():
            if key in labels:
                extra.append(("NotIn", key, labels[key]))
        base = label_selector_predicate(selector)
        if extra and selector is not None:

            def with_keys(values: Mapping[str, str]) -> bool:
                for op, key, value in extra:
                    if (values.get(key) == value) != (op == "In"):
                        return False
                return base(values)

            self.selector: LabelPredicate = with_keys
        else:
            self.selector = base

    def matches(self, other: PodInfo, namespace_labels: NamespaceLabels) -> bool:
        """Does ``other`` (an existing or incoming pod) fall under this term?"""
        if other.namespace not in self.namespaces and (
            self.namespace_selector is None
            or not self.namespace_selector(namespace_labels(other.namespace))
        ):
            return False
        return self.selector(other.labels)


class PodInfo:
    """A typed pod and its precomputed scheduling facts (do not mutate the pod)."""

    __slots__ = (
        "key",
        "labels",
        "name",
        "namespace",
        "node_name",
        "non_zero_requests",
        "pod",
        "ports",
        "preferred_affinity",
        "preferred_anti_affinity",
        "priority",
        "requests",
        "required_affinity",
        "required_anti_affinity",
        "uid",
    )

    def __init__(self, pod: Any) -> None:
        self.pod = pod
        meta = pod.metadata
        self.name: str = meta.name
        self.namespace: str = meta.namespace
        self.key = f"{self.namespace}/{self.name}"
        self.uid: str = meta.uid or ""
        self.labels: Mapping[str, str] = meta.labels or {}
        self.node_name: str = pod.spec.node_name or ""
        self.priority = priority_of(pod)
        self.requests = pod_requests(pod)
        self.non_zero_requests = pod_requests(pod, non_zero=True)
        self.ports = host_ports(pod)
        affinity = pod.spec.affinity
        pod_affinity = affinity.pod_affinity if affinity else None
        anti = affinity.pod_anti_affinity if affinity else None
        self.required_affinity = _terms(pod_affinity, pod)
        self.required_anti_affinity = _terms(anti, pod)
        self.preferred_affinity = _weighted(pod_affinity, pod)
        self.preferred_anti_affinity = _weighted(anti, pod)

    @property
    def has_affinity(self) -> bool:
        return bool(
            self.required_affinity
            or self.required_anti_affinity
            or self.preferred_affinity
            or self.preferred_anti_affinity
        )

    def __repr__(self) -> str:
        return f"<PodInfo {self.key}>"


def _terms(section: Any, pod: Any) -> tuple[AffinityTerm, ...]:
    if section is None:
        return ()
    terms = section.required_during_scheduling_ignored_during_execution or ()
    return tuple(AffinityTerm(term, pod) for term in terms)


def _weighted(section: Any, pod: Any) -> tuple[AffinityTerm, ...]:
    if section is None:
        return ()
    terms = section.preferred_during_scheduling_ignored_during_execution or ()
    return tuple(
        AffinityTerm(w.pod_affinity_term, pod, w.weight or 0)
        for w in terms
        if w.pod_affinity_term is not None
    )


def assumed_on(info: PodInfo, node_name: str) -> PodInfo:
    """A copy of ``info`` whose pod is placed on ``node_name`` (what the cache assumes)."""
    other = object.__new__(PodInfo)
    for slot in PodInfo.__slots__:
        setattr(other, slot, getattr(info, slot))
    pod = info.pod
    other.pod = attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=node_name))
    other.node_name = node_name
    return other
