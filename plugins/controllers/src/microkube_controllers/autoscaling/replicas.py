"""How many replicas a resource metric asks for (upstream ``ReplicaCalculator``).

``desired = ceil(current * usage / target)`` over the ready pods, unless the ratio is within
the tolerance (10 %). Pods being deleted or failed are ignored; pending pods, and CPU samples
of pods still starting (not ready, or sampled before their readiness settled), count as
unready; pods without a sample are missing. When the decision is to scale up, unready pods
count as using nothing; missing pods count as using nothing on a scale-up and their whole
request on a scale-down — and if that reverses the direction, nothing changes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from microkube.api import Quantity
from microkube_controllers.autoscaling.metrics import PodMetric
from microkube_controllers.common.timeutil import parse_time

__all__ = [
    "CPU_INITIALIZATION_PERIOD",
    "DEFAULT_TOLERANCE",
    "INITIAL_READINESS_DELAY",
    "MetricError",
    "Recommendation",
    "group_pods",
    "pod_requests",
    "replicas_for_average_value",
    "replicas_for_utilization",
]

DEFAULT_TOLERANCE = 0.1
#: upstream ``--horizontal-pod-autoscaler-cpu-initialization-period``
CPU_INITIALIZATION_PERIOD = timedelta(minutes=5)
#: upstream ``--horizontal-pod-autoscaler-initial-readiness-delay``
INITIAL_READINESS_DELAY = timedelta(seconds=30)

Pod = Mapping[str, Any]


class MetricError(Exception):
    """The metric cannot give a replica count (no samples, no requests, ...); ``reason`` is
    the ``ScalingActive`` reason and event reason upstream reports."""

    def __init__(self, message: str, reason: str = "FailedGetResourceMetric") -> None:
        super().__init__(message)
        self.reason = reason


@attrs.frozen
class Recommendation:
    replicas: int
    #: the average utilization in percent of the request (None for an AverageValue target)
    utilization: int | None
    #: the average usage per pod, in milli-units
    average_milli: int


@attrs.frozen
class PodGroups:
    ready: int
    unready: frozenset[str]
    missing: frozenset[str]
    ignored: frozenset[str]


def _ready_condition(pod: Pod) -> Mapping[str, Any] | None:
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            return condition
    return None


def group_pods(
    pods: Sequence[Pod],
    metrics: Mapping[str, PodMetric],
    resource: str,
    now: datetime,
    *,
    cpu_initialization: timedelta = CPU_INITIALIZATION_PERIOD,
    readiness_delay: timedelta = INITIAL_READINESS_DELAY,
) -> PodGroups:
    """Sort pods into ready (counted), unready, missing (no sample) and ignored."""
    ready = 0
    unready: set[str] = set()
    missing: set[str] = set()
    ignored: set[str] = set()
    for pod in pods:
        meta = pod.get("metadata") or {}
        name = meta.get("name", "")
        status = pod.get("status") or {}
        if meta.get("deletionTimestamp") or status.get("phase") == "Failed":
            ignored.add(name)
            continue
        if status.get("phase") == "Pending":
            unready.add(name)
            continue
        metric = metrics.get(name)
        if metric is None:
            missing.add(name)
            continue
        if resource == "cpu":
            condition = _ready_condition(pod)
            started = parse_time(status.get("startTime"))
            if condition is None or started is None:
                is_unready = True
            else:
                transition = parse_time(condition.get("lastTransitionTime")) or started
                if started + cpu_initialization > now:
                    # still starting: a sample taken before readiness settled is not trusted
                    is_unready = (
                        condition.get("status") == "False"
                        or metric.timestamp < transition + metric.window
                    )
                else:
                    # unready and never ready since it started
                    is_unready = (
                        condition.get("status") == "False"
                        and started + readiness_delay > transition
                    )
            if is_unready:
                unready.add(name)
                continue
        ready += 1
    return PodGroups(ready, frozenset(unready), frozenset(missing), frozenset(ignored))


def pod_requests(pods: Sequence[Pod], resource: str, container: str = "") -> dict[str, int]:
    """Each pod's request of ``resource`` in milli-units; a container without one is an
    error, as utilization is a percentage of the request."""
    requests: dict[str, int] = {}
    for pod in pods:
        meta = pod.get("metadata") or {}
        total = 0
        for entry in (pod.get("spec") or {}).get("containers") or ():
            if container and entry.get("name") != container:
                continue
            request = ((entry.get("resources") or {}).get("requests") or {}).get(resource)
            if request is None:
                raise MetricError(
                    f"missing request for {resource} in container {entry.get('name')} "
                    f"of Pod {meta.get('name')}"
                )
            total += Quantity(request).milli_value()
        requests[meta.get("name", "")] = total
    return requests


def _utilization_ratio(
    metrics: Mapping[str, int], requests: Mapping[str, int], target: int
) -> tuple[float, int, int]:
    """``(usage/target ratio, utilization %, average milli-usage)`` over the pods with both
    a sample and a request (``GetResourceUtilizationRatio``)."""
    used = requested = counted = 0
    for name, value in metrics.items():
        if name in requests:
            used += value
            requested += requests[name]
            counted += 1
    if requested == 0:
        raise MetricError("no metrics returned matched known pods")
    utilization = (used * 100) // requested
    return utilization / target, utilization, used // counted


def _samples(
    pods: Sequence[Pod], metrics: Mapping[str, PodMetric], groups: PodGroups
) -> dict[str, int]:
    dropped = groups.ignored | groups.unready
    known = {(p.get("metadata") or {}).get("name") for p in pods}
    return {n: m.value for n, m in metrics.items() if n not in dropped and n in known}


def replicas_for_utilization(
    current: int,
    target_utilization: int,
    pods: Sequence[Pod],
    metrics: Mapping[str, PodMetric],
    resource: str,
    now: datetime,
    *,
    container: str = "",
    tolerance: float = DEFAULT_TOLERANCE,
) -> Recommendation:
    """The replica count for an ``averageUtilization`` target (``GetResourceReplicas``)."""
    if not metrics:
        raise MetricError("did not receive metrics for targeted pods (pods might be unready)")
    if not pods:
        raise MetricError("no pods returned by selector while calculating replica count")
    groups = group_pods(pods, metrics, resource, now)
    samples = _samples(pods, metrics, groups)
    if not samples:
        raise MetricError("did not receive metrics for targeted pods (pods might be unready)")
    requests = pod_requests(pods, resource, container)
    ratio, utilization, average = _utilization_ratio(samples, requests, target_utilization)
    scale_up_with_unready = bool(groups.unready) and ratio > 1.0
    if not scale_up_with_unready and not groups.missing:
        if abs(1.0 - ratio) <= tolerance:
            return Recommendation(current, utilization, average)
        return Recommendation(math.ceil(ratio * groups.ready), utilization, average)
    if groups.missing:
        if ratio < 1.0:  # scaling down: a missing pod may be busy — assume its full request
            fallback = max(100, target_utilization)
            for name in groups.missing:
                samples[name] = requests.get(name, 0) * fallback // 100
        elif ratio > 1.0:  # scaling up: a missing pod may be idle
            for name in groups.missing:
                samples[name] = 0
    if scale_up_with_unready:
        for name in groups.unready:
            samples[name] = 0
    new_ratio, _, _ = _utilization_ratio(samples, requests, target_utilization)
    if abs(1.0 - new_ratio) <= tolerance or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return Recommendation(current, utilization, average)
    replicas = math.ceil(new_ratio * len(samples))
    if (new_ratio < 1.0 and replicas > current) or (new_ratio > 1.0 and replicas < current):
        return Recommendation(current, utilization, average)
    return Recommendation(replicas, utilization, average)


def replicas_for_average_value(
    current: int,
    target_milli: int,
    pods: Sequence[Pod],
    metrics: Mapping[str, PodMetric],
    resource: str,
    now: datetime,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> Recommendation:
    """The replica count for an ``averageValue`` target (``GetRawResourceReplicas``)."""
    if not metrics:
        raise MetricError("did not receive metrics for targeted pods (pods might be unready)")
    if not pods:
        raise MetricError("no pods returned by selector while calculating replica count")
    if target_milli <= 0:
        raise MetricError("the target average value must be positive")
    groups = group_pods(pods, metrics, resource, now)
    samples = _samples(pods, metrics, groups)
    if not samples:
        raise MetricError("did not receive metrics for targeted pods (pods might be unready)")
    total = sum(samples.values())
    ratio = total / (target_milli * len(samples))
    average = total // len(samples)
    scale_up_with_unready = bool(groups.unready) and ratio > 1.0
    if not scale_up_with_unready and not groups.missing:
        if abs(1.0 - ratio) <= tolerance:
            return Recommendation(current, None, average)
        return Recommendation(math.ceil(ratio * groups.ready), None, average)
    if groups.missing:
        for name in groups.missing:
            samples[name] = target_milli if ratio < 1.0 else 0
    if scale_up_with_unready:
        for name in groups.unready:
            samples[name] = 0
    new_ratio = sum(samples.values()) / (target_milli * len(samples))
    if abs(1.0 - new_ratio) <= tolerance or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return Recommendation(current, None, average)
    replicas = math.ceil(new_ratio * len(samples))
    if (new_ratio < 1.0 and replicas > current) or (new_ratio > 1.0 and replicas < current):
        return Recommendation(current, None, average)
    return Recommendation(replicas, None, average)
