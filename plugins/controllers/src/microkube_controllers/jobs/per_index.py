"""``backoffLimitPerIndex`` of Indexed Jobs: each index has its own failure budget.

A replacement pod carries, in the ``batch.kubernetes.io/job-index-failure-count`` annotation,
how many pods of its index failed before it; so the failures of an index are the largest
``annotation + (1 if that pod failed)`` over its pods — failures the pod failure policy
ignores not included. An index whose failures exceed the limit (or whose pod matched a
``FailIndex`` rule) is failed: listed in ``status.failedIndexes`` and never retried. Its
replacements wait ``base * 2**(failures - 1)`` after its last failure, as the Job-wide
back-off does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from microkube_controllers.jobs import pods as podutil
from microkube_controllers.jobs.failure_policy import match_pod_failure_policy
from microkube_controllers.jobs.indexes import completion_index

__all__ = ["FAILURE_COUNT", "IndexFailures", "index_failures"]

FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count"
FAIL_INDEX = "FailIndex"


@attrs.frozen
class IndexFailures:
    #: failures so far of each index that had any
    counts: dict[int, int]
    #: when the last pod of each index failed
    last_failure: dict[int, datetime]
    #: indexes failed at once by a ``FailIndex`` rule
    failed_by_policy: frozenset[int]

    def failed(self, limit: int) -> set[int]:
        """The indexes out of budget."""
        return {i for i, count in self.counts.items() if count > limit} | self.failed_by_policy

    def remaining(self, index: int, now: datetime, base: float, maximum: float) -> float:
        """Seconds before a replacement of ``index`` may start."""
        count = self.counts.get(index, 0)
        last = self.last_failure.get(index)
        if count == 0 or last is None:
            return 0.0
        delay = min(base * 2 ** (count - 1), maximum)
        return max(delay - (now - last).total_seconds(), 0.0)


def _annotated_count(pod: Mapping[str, Any]) -> int:
    text = ((pod.get("metadata") or {}).get("annotations") or {}).get(FAILURE_COUNT) or "0"
    return int(text) if text.isdigit() else 0


def index_failures(
    pods: Sequence[Mapping[str, Any]],
    policy: Mapping[str, Any] | None,
    *,
    only_replace_failed: bool,
    now: datetime,
) -> IndexFailures:
    counts: dict[int, int] = {}
    last: dict[int, datetime] = {}
    by_policy: set[int] = set()
    for pod in pods:
        index = completion_index(pod)
        if index is None:
            continue
        count = _annotated_count(pod)
        if podutil.is_failed(pod, only_replace_failed=only_replace_failed):
            verdict = match_pod_failure_policy(policy, pod) if policy else None
            if verdict is None or verdict.counts:
                count += 1
                finished = podutil.finish_time(pod, now)
                if index not in last or finished > last[index]:
                    last[index] = finished
                if verdict is not None and verdict.action == FAIL_INDEX:
                    by_policy.add(index)
        if count:
            counts[index] = max(counts.get(index, 0), count)
    return IndexFailures(counts, last, frozenset(by_policy))
