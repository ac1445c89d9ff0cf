"""core/v1 scheduling constraints: node selectors, affinity, taints, tolerations, spreading."""

from __future__ import annotations

from microkube.api._base import field, model
from microkube.api.meta_v1 import LabelSelector, Time


@model
class NodeSelectorRequirement:
    key: str | None = field()
    operator: str | None = field()  # In, NotIn, Exists, DoesNotExist, Gt, Lt
    values: list[str] | None = field()


@model
class NodeSelectorTerm:
    match_expressions: list[NodeSelectorRequirement] | None = field()
    match_fields: list[NodeSelectorRequirement] | None = field()


@model
class NodeSelector:
    node_selector_terms: list[NodeSelectorTerm] | None = field()


@model
class PreferredSchedulingTerm:
    weight: int | None = field()
    preference: NodeSelectorTerm | None = field()


@model
class NodeAffinity:
    required_during_scheduling_ignored_during_execution: NodeSelector | None = field()
    preferred_during_scheduling_ignored_during_execution: list[PreferredSchedulingTerm] | None = (
        field()
    )


@model
class PodAffinityTerm:
    label_selector: LabelSelector | None = field()
    namespaces: list[str] | None = field()
    topology_key: str | None = field()
    namespace_selector: LabelSelector | None = field()
    match_label_keys: list[str] | None = field()
    mismatch_label_keys: list[str] | None = field()


@model
class WeightedPodAffinityTerm:
    weight: int | None = field()
    pod_affinity_term: PodAffinityTerm | None = field()


@model
class PodAffinity:
    required_during_scheduling_ignored_during_execution: list[PodAffinityTerm] | None = field()
    preferred_during_scheduling_ignored_during_execution: list[WeightedPodAffinityTerm] | None = (
        field()
    )


@model
class PodAntiAffinity:
    required_during_scheduling_ignored_during_execution: list[PodAffinityTerm] | None = field()
    preferred_during_scheduling_ignored_during_execution: list[WeightedPodAffinityTerm] | None = (
        field()
    )


@model
class Affinity:
    node_affinity: NodeAffinity | None = field()
    pod_affinity: PodAffinity | None = field()
    pod_anti_affinity: PodAntiAffinity | None = field()


@model
class Taint:
    key: str | None = field()
    value: str | None = field()
    effect: str | None = field()  # NoSchedule, PreferNoSchedule, NoExecute
    time_added: Time | None = field()


@model
class Toleration:
    key: str | None = field()
    operator: str | None = field()  # Exists, Equal
    value: str | None = field()
    effect: str | None = field()
    toleration_seconds: int | None = field()


@model
class TopologySpreadConstraint:
    max_skew: int | None = field()
    topology_key: str | None = field()
    when_unsatisfiable: str | None = field()  # DoNotSchedule, ScheduleAnyway
    label_selector: LabelSelector | None = field()
    min_domains: int | None = field()
    node_affinity_policy: str | None = field()  # Honor, Ignore
    node_taints_policy: str | None = field()
    match_label_keys: list[str] | None = field()
