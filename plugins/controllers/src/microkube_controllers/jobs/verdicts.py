"""What a Job's counts mean (upstream ``syncJob``'s decisions): has it failed, has it
succeeded, how many pods should run, which running pods are too many."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from microkube_controllers.common.timeutil import parse_time
from microkube_controllers.jobs import pods as podutil
from microkube_controllers.jobs.census import PodCensus
from microkube_controllers.jobs.indexes import completion_index
from microkube_controllers.jobs.success_policy import match_success_policy

__all__ = [
    "MAX_PODS_PER_SYNC",
    "Verdict",
    "deadline_in",
    "excess_pods",
    "failure_verdict",
    "index_failure_verdict",
    "success_verdict",
    "want_active",
]

#: at most this many pod creations or deletions per sync (upstream ``MaxPodCreateDeletePerSync``)
MAX_PODS_PER_SYNC = 500
BACKOFF_LIMIT_MESSAGE = "Job has reached the specified backoff limit"
DEADLINE_MESSAGE = "Job was active longer than specified deadline"
COMPLETIONS_MESSAGE = "Reached expected number of succeeded pods"
FAILED_INDEXES_MESSAGE = "Job has failed indexes"
MAX_FAILED_INDEXES_MESSAGE = "Job has exceeded the specified maximal number of failed indexes"

#: a condition's ``(reason, message)``
Verdict = tuple[str, str]


def deadline_in(spec: Mapping[str, Any], status: Mapping[str, Any], now: datetime) -> float | None:
    """Seconds left before ``activeDeadlineSeconds`` (None: no deadline runs)."""
    deadline = spec.get("activeDeadlineSeconds")
    started = parse_time(status.get("startTime"))
    if deadline is None or started is None or spec.get("suspend"):
        return None
    return float(deadline) - (now - started).total_seconds()


def failure_verdict(
    spec: Mapping[str, Any],
    status: Mapping[str, Any],
    failed: int,
    backoff_limit: int | None,
    now: datetime,
) -> Verdict | None:
    if backoff_limit is not None and failed > backoff_limit:
        return "BackoffLimitExceeded", BACKOFF_LIMIT_MESSAGE
    remaining = deadline_in(spec, status, now)
    if remaining is not None and remaining <= 0:
        return "DeadlineExceeded", DEADLINE_MESSAGE
    return None


def index_failure_verdict(
    spec: Mapping[str, Any], completions: int, completed: set[int], failed: set[int]
) -> Verdict | None:
    """The verdict on failed indexes (``backoffLimitPerIndex``)."""
    most = spec.get("maxFailedIndexes")
    if most is not None and len(failed) > int(most):
        return "MaxFailedIndexesExceeded", MAX_FAILED_INDEXES_MESSAGE
    if failed and len(completed | failed) >= completions:
        return "FailedIndexes", FAILED_INDEXES_MESSAGE
    return None


def success_verdict(
    spec: Mapping[str, Any],
    indexed: bool,
    succeeded: int,
    completed: set[int],
    census: PodCensus,
) -> Verdict | None:
    completions = spec.get("completions")
    reached = ("CompletionsReached", COMPLETIONS_MESSAGE)
    if indexed:
        matched = match_success_policy(spec.get("successPolicy"), int(completions or 0), completed)
        if matched is not None:
            return "SuccessPolicy", matched
        done = completions is not None and len(completed) >= int(completions)
        return reached if done else None
    if completions is None:  # a work queue: done once one pod succeeded and none runs
        return reached if succeeded > 0 and not census.active else None
    return reached if succeeded >= int(completions) else None


def want_active(spec: Mapping[str, Any], active: int, done: int, parallelism: int) -> int:
    """How many pods should run, ``done`` being the completions (or finished indexes)."""
    completions = spec.get("completions")
    if completions is None:
        return active if done > 0 else parallelism
    return max(min(int(completions) - done, parallelism), 0)


def age_key(pod: Mapping[str, Any]) -> tuple[str, str]:
    meta = pod.get("metadata") or {}
    return (meta.get("creationTimestamp") or "", meta.get("name") or "")


def excess_pods(
    census: PodCensus,
    spec: Mapping[str, Any],
    finished_indexes: set[int] | None,
    done: int,
    parallelism: int,
) -> list[dict[str, Any]]:
    """Active pods to delete: duplicates of an index or finished indexes first, then those
    beyond parallelism (the least ready and newest first, as upstream's ActivePods order)."""
    doomed: list[dict[str, Any]] = []
    keep = census.active
    if finished_indexes is not None:
        completions = int(spec.get("completions") or 0)
        seen: set[int] = set()
        keep = []
        for pod in sorted(census.active, key=age_key):
            index = completion_index(pod)
            if index is None or index >= completions or index in finished_indexes or index in seen:
                doomed.append(pod)
            else:
                seen.add(index)
                keep.append(pod)
    want = want_active(spec, len(census.active), done, parallelism)
    if len(keep) > want:
        ordered = sorted(keep, key=lambda p: (podutil.is_ready(p), age_key(p)))
        doomed += ordered[: len(keep) - want]
    return doomed[:MAX_PODS_PER_SYNC]
