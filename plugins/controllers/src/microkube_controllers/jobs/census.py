"""A Job's pods sorted by what the controller must do about them (active, terminating,
newly finished, to be released), and the pod failure policy applied to new failures."""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

import attrs

from microkube_controllers.jobs import pods as podutil
from microkube_controllers.jobs.failure_policy import FAIL_JOB, match_pod_failure_policy

__all__ = ["PodCensus", "apply_failure_policy", "pod_uid", "take_census"]

Pod = dict[str, Any]


def pod_uid(pod: Mapping[str, Any]) -> str:
    return (pod.get("metadata") or {}).get("uid") or ""


@attrs.define
class PodCensus:
    active: list[Pod] = attrs.Factory(list)
    terminating: int = 0
    ready: int = 0
    #: finished pods still holding the tracking finalizer, not yet in uncountedTerminatedPods
    new_succeeded: list[Pod] = attrs.Factory(list)
    new_failed: list[Pod] = attrs.Factory(list)
    #: finished (or deleted) pods whose finalizer can go: recorded already, or not counted
    to_release: list[Pod] = attrs.Factory(list)


def take_census(
    status: Mapping[str, Any],
    pods: list[Pod],
    *,
    only_replace_failed: bool,
    counted: Set[str],
) -> PodCensus:
    """Sort ``pods``; ``counted`` are uids already counted though the informer may still show
    their finalizer."""
    census = PodCensus()
    uncounted = status.get("uncountedTerminatedPods") or {}
    recorded = set(uncounted.get("succeeded") or ()) | set(uncounted.get("failed") or ())
    for pod in pods:
        if podutil.is_active(pod):
            census.active.append(pod)
            if podutil.is_ready(pod):
                census.ready += 1
        elif podutil.is_terminating(pod):
            census.terminating += 1
        if not podutil.has_tracking_finalizer(pod) or pod_uid(pod) in counted:
            continue  # counted already
        if pod_uid(pod) in recorded:
            census.to_release.append(pod)
        elif podutil.is_succeeded(pod):
            census.new_succeeded.append(pod)
        elif podutil.is_failed(pod, only_replace_failed=only_replace_failed):
            census.new_failed.append(pod)
    return census


def apply_failure_policy(policy: Mapping[str, Any] | None, census: PodCensus) -> str | None:
    """Drop the failures the policy ignores from ``new_failed`` (their pods are only
    released); the message of the first ``FailJob`` match, if any."""
    if not policy:
        return None
    counted: list[Pod] = []
    message = None
    for pod in census.new_failed:
        verdict = match_pod_failure_policy(policy, pod)
        if not verdict.counts:
            census.to_release.append(pod)
            continue
        if verdict.action == FAIL_JOB and message is None:
            message = verdict.message
        counted.append(pod)
    census.new_failed = counted
    return message
