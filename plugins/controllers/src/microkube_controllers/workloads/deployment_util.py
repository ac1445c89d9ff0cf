"""What the Deployment controller computes without writing (upstream
``pkg/controller/deployment/util``): revisions and annotations, the rolling-update
fenceposts, which ReplicaSet is new, replica counts, and rollout progress."""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from microkube_controllers.common.timeutil import parse_time

__all__ = [
    "DEFAULT_UNIQUE_LABEL",
    "DESIRED_REPLICAS_ANNOTATION",
    "MAX_REPLICAS_ANNOTATION",
    "REVISION_ANNOTATION",
    "REVISION_HISTORY_ANNOTATION",
    "deployment_complete",
    "deployment_progressing",
    "deployment_timed_out",
    "equal_ignore_hash",
    "find_new_replica_set",
    "find_old_replica_sets",
    "has_progress_deadline",
    "max_revision",
    "max_surge",
    "max_unavailable",
    "new_rs_new_replicas",
    "replicas",
    "resolve_fenceposts",
    "revision",
    "scaled_value",
]

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
ROLLBACK_TO_ANNOTATION = "deprecated.deployment.rollback.to"
LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
#: The label a Deployment adds to its ReplicaSets' selectors and pods.
DEFAULT_UNIQUE_LABEL = "pod-template-hash"
#: Annotations of a Deployment never copied onto its ReplicaSets.
ANNOTATIONS_TO_SKIP = frozenset(
    {
        LAST_APPLIED_ANNOTATION,
        REVISION_ANNOTATION,
        REVISION_HISTORY_ANNOTATION,
        DESIRED_REPLICAS_ANNOTATION,
        MAX_REPLICAS_ANNOTATION,
        ROLLBACK_TO_ANNOTATION,
    }
)
#: Upstream ``maxRevHistoryLengthInChars``.
MAX_REV_HISTORY_LENGTH = 2000
#: ``progressDeadlineSeconds`` this large means "no deadline" (math.MaxInt32).
NO_DEADLINE = 2**31 - 1

_PERCENT = re.compile(r"^(\d+)%$")


def replicas(obj: Mapping[str, Any] | None) -> int:
    """``spec.replicas`` (default 1; 0 for a missing object)."""
    if obj is None:
        return 0
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def _status(obj: Mapping[str, Any] | None, field: str) -> int:
    if obj is None:
        return 0
    return int((obj.get("status") or {}).get(field) or 0)


def annotations(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("annotations") or {})


def revision(obj: Mapping[str, Any]) -> int:
    """The ``deployment.kubernetes.io/revision`` of a ReplicaSet (0 if none or bad)."""
    try:
        return int(annotations(obj).get(REVISION_ANNOTATION, "0"))
    except ValueError:
        return 0


def max_revision(replica_sets: Iterable[Mapping[str, Any]]) -> int:
    return max((revision(rs) for rs in replica_sets), default=0)


# -- fenceposts -------------------------------------------------------------------------


def scaled_value(value: int | str | None, total: int, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``: an int, or a percentage of ``total``."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    match = _PERCENT.match(str(value))
    if match is None:
        if str(value).isdigit():
            return int(value)
        raise ValueError(f"invalid value for IntOrString: invalid value {value!r}")
    scaled = int(match.group(1)) * total / 100
    return math.ceil(scaled) if round_up else math.floor(scaled)


def _rolling(deployment: Mapping[str, Any]) -> dict[str, Any] | None:
    strategy = (deployment.get("spec") or {}).get("strategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return None
    return strategy.get("rollingUpdate") or {"maxSurge": "25%", "maxUnavailable": "25%"}


def is_rolling_update(deployment: Mapping[str, Any]) -> bool:
    return _rolling(deployment) is not None


def resolve_fenceposts(surge: Any, unavailable: Any, desired: int) -> tuple[int, int]:
    """``(maxSurge, maxUnavailable)`` as numbers (surge rounds up, unavailable down); if both
    are 0, maxUnavailable is 1."""
    surge_value = scaled_value(surge if surge is not None else 0, desired, True)
    unavailable_value = scaled_value(unavailable if unavailable is not None else 0, desired, False)
    if surge_value == 0 and unavailable_value == 0:
        unavailable_value = 1
    return surge_value, unavailable_value


def max_surge(deployment: Mapping[str, Any]) -> int:
    rolling = _rolling(deployment)
    if rolling is None:
        return 0
    surge, _ = resolve_fenceposts(
        rolling.get("maxSurge"), rolling.get("maxUnavailable"), replicas(deployment)
    )
    return surge


def max_unavailable(deployment: Mapping[str, Any]) -> int:
    rolling = _rolling(deployment)
    desired = replicas(deployment)
    if rolling is None or desired == 0:
        return 0
    _, unavailable = resolve_fenceposts(
        rolling.get("maxSurge"), rolling.get("maxUnavailable"), desired
    )
    return min(unavailable, desired)


# -- which ReplicaSet is which -------------------------------------------------------------


def _normalise(value: Any) -> Any:
    """Drop empty values, as Go's semantic equality treats nil and empty alike."""
    if isinstance(value, Mapping):
        cleaned = {k: _normalise(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, {}, [], "")}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def _without_hash(template: Mapping[str, Any] | None) -> Any:
    template = copy.deepcopy(dict(template or {}))
    labels = (template.get("metadata") or {}).get("labels")
    if labels:
        labels.pop(DEFAULT_UNIQUE_LABEL, None)
    return _normalise(template)


def equal_ignore_hash(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    """Two pod templates equal but for the ``pod-template-hash`` label."""
    return _without_hash(a) == _without_hash(b)


def by_creation(rs: Mapping[str, Any]) -> tuple[Any, ...]:
    """Sort key: oldest first, then by name (``ReplicaSetsByCreationTimestamp``)."""
    meta = rs.get("metadata") or {}
    created = parse_time(meta.get("creationTimestamp"))
    return (created.timestamp() if created else 0.0, meta.get("name", ""))


def find_new_replica_set(
    deployment: Mapping[str, Any], replica_sets: Sequence[Mapping[str, Any]]
) -> dict[str, Any] | None:
    """The oldest ReplicaSet whose template equals the Deployment's (ignoring the hash)."""
    template = (deployment.get("spec") or {}).get("template")
    for rs in sorted(replica_sets, key=by_creation):
        if equal_ignore_hash((rs.get("spec") or {}).get("template"), template):
            return dict(rs)
    return None


def find_old_replica_sets(
    deployment: Mapping[str, Any], replica_sets: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(old ones with replicas, all old ones)``."""
    new = find_new_replica_set(deployment, replica_sets)
    new_uid = new["metadata"].get("uid") if new else None
    required, everything = [], []
    for rs in replica_sets:
        if new_uid is not None and rs["metadata"].get("uid") == new_uid:
            continue
        everything.append(dict(rs))
        if replicas(rs) != 0:
            required.append(dict(rs))
    return required, everything


def active(replica_sets: Iterable[Mapping[str, Any] | None]) -> list[dict[str, Any]]:
    """ReplicaSets with ``spec.replicas`` > 0 (``FilterActiveReplicaSets``)."""
    return [dict(rs) for rs in replica_sets if rs is not None and replicas(rs) > 0]


def replica_count(replica_sets: Iterable[Mapping[str, Any] | None]) -> int:
    """Sum of ``spec.replicas``."""
    return sum(replicas(rs) for rs in replica_sets if rs is not None)


def actual_count(replica_sets: Iterable[Mapping[str, Any] | None]) -> int:
    return sum(_status(rs, "replicas") for rs in replica_sets if rs is not None)


def ready_count(replica_sets: Iterable[Mapping[str, Any] | None]) -> int:
    return sum(_status(rs, "readyReplicas") for rs in replica_sets if rs is not None)


def available_count(replica_sets: Iterable[Mapping[str, Any] | None]) -> int:
    return sum(_status(rs, "availableReplicas") for rs in replica_sets if rs is not None)


def new_rs_new_replicas(
    deployment: Mapping[str, Any],
    all_rss: Sequence[Mapping[str, Any] | None],
    new_rs: Mapping[str, Any],
) -> int:
    """How many replicas the new ReplicaSet may have now (``NewRSNewReplicas``)."""
    desired = replicas(deployment)
    if not is_rolling_update(deployment):
        return desired
    current = replica_count(all_rss)
    most = desired + max_surge(deployment)
    if current >= most:
        return replicas(new_rs)
    return replicas(new_rs) + min(most - current, desired - replicas(new_rs))


def find_active_or_latest(
    new_rs: Mapping[str, Any] | None, old_rss: Sequence[Mapping[str, Any]]
) -> dict[str, Any] | None:
    """The only active ReplicaSet; the newest if none is active; None if several are."""
    if new_rs is None and not old_rss:
        return None
    old_sorted = sorted(old_rss, key=by_creation, reverse=True)
    actives = active([*old_sorted, new_rs])
    if not actives:
        return dict(new_rs) if new_rs is not None else dict(old_sorted[0])
    if len(actives) == 1:
        return actives[0]
    return None


def annotated_int(rs: Mapping[str, Any], name: str) -> int | None:
    value = annotations(rs).get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def is_saturated(deployment: Mapping[str, Any], rs: Mapping[str, Any] | None) -> bool:
    """The ReplicaSet runs all the Deployment's replicas, all available."""
    if rs is None:
        return False
    desired = annotated_int(rs, DESIRED_REPLICAS_ANNOTATION)
    if desired is None:
        return False
    want = replicas(deployment)
    return replicas(rs) == want and desired == want and _status(rs, "availableReplicas") == want


def replicas_annotations_need_update(rs: Mapping[str, Any], desired: int, most: int) -> bool:
    current = annotations(rs)
    return current.get(DESIRED_REPLICAS_ANNOTATION) != str(desired) or current.get(
        MAX_REPLICAS_ANNOTATION
    ) != str(most)


def proportion(
    rs: Mapping[str, Any], deployment: Mapping[str, Any], to_add: int, added: int
) -> int:
    """The share of a proportional scale given to ``rs`` (``GetProportion``)."""
    if replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = _fraction(rs, deployment)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def _fraction(rs: Mapping[str, Any], deployment: Mapping[str, Any]) -> int:
    if replicas(deployment) == 0:
        return -replicas(rs)
    most = replicas(deployment) + max_surge(deployment)
    before = annotated_int(rs, MAX_REPLICAS_ANNOTATION)
    if not before:
        before = _status(deployment, "replicas")
        if not before:
            return 0
    size = replicas(rs) * most / before
    return _round_half_away(size) - replicas(rs)


def _round_half_away(value: float) -> int:
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


# -- progress ---------------------------------------------------------------------------------


def has_progress_deadline(deployment: Mapping[str, Any]) -> bool:
    deadline = (deployment.get("spec") or {}).get("progressDeadlineSeconds")
    return deadline is not None and int(deadline) != NO_DEADLINE


def deployment_complete(deployment: Mapping[str, Any], status: Mapping[str, Any]) -> bool:
    want = replicas(deployment)
    generation = int((deployment.get("metadata") or {}).get("generation") or 0)
    return (
        int(status.get("updatedReplicas") or 0) == want
        and int(status.get("replicas") or 0) == want
        and int(status.get("availableReplicas") or 0) == want
        and int(status.get("observedGeneration") or 0) >= generation
    )


def deployment_progressing(deployment: Mapping[str, Any], status: Mapping[str, Any]) -> bool:
    old = deployment.get("status") or {}

    def count(s: Mapping[str, Any], key: str) -> int:
        return int(s.get(key) or 0)

    old_old = count(old, "replicas") - count(old, "updatedReplicas")
    new_old = count(status, "replicas") - count(status, "updatedReplicas")
    return (
        count(status, "updatedReplicas") > count(old, "updatedReplicas")
        or new_old < old_old
        or count(status, "readyReplicas") > count(old, "readyReplicas")
        or count(status, "availableReplicas") > count(old, "availableReplicas")
    )


def deployment_timed_out(
    deployment: Mapping[str, Any], status: Mapping[str, Any], now: datetime
) -> bool:
    if not has_progress_deadline(deployment):
        return False
    condition = next(
        (c for c in status.get("conditions") or [] if c.get("type") == "Progressing"), None
    )
    if condition is None:
        return False
    if condition.get("reason") == "NewReplicaSetAvailable":
        return False
    if condition.get("reason") == "ProgressDeadlineExceeded":
        return True
    since = parse_time(condition.get("lastUpdateTime"))
    if since is None:
        return False
    deadline = int((deployment.get("spec") or {}).get("progressDeadlineSeconds"))
    return (now - since).total_seconds() > deadline
