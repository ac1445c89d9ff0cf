"""From a metric's recommendation to the replica count to set (upstream
``normalizeDesiredReplicas`` and ``normalizeDesiredReplicasWithBehaviors``).

Without ``spec.behavior``: scale-down is stabilised over the downscale window (the highest
recommendation of the last 300 s wins), scale-up is limited to ``max(2 * current, 4)``, and
the result is clamped to ``[minReplicas, maxReplicas]``. With ``behavior``: each direction has
its own stabilisation window and rate policies (``Pods``/``Percent`` per ``periodSeconds``,
chosen by ``selectPolicy``), measured against the scale events of the period.

The returned conditions are the ``AbleToScale`` and ``ScalingLimited`` states upstream sets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

__all__ = ["DEFAULT_DOWNSCALE_WINDOW", "Normalized", "Recommender", "default_behavior"]

DEFAULT_DOWNSCALE_WINDOW = 300
_INT_MAX = 2**31 - 1
_INT_MIN = -(2**31)


@attrs.frozen
class Normalized:
    replicas: int
    able_reason: str
    able_message: str
    limited: bool
    limited_reason: str
    limited_message: str


@attrs.frozen
class _Sample:
    value: int
    at: datetime


def default_behavior(behavior: Mapping[str, Any] | None, downscale_window: int) -> dict[str, Any]:
    """``spec.behavior`` with upstream's defaults filled in (``SetDefaults_HPAScalingRules``)."""
    behavior = dict(behavior or {})
    up = dict(behavior.get("scaleUp") or {})
    up.setdefault("stabilizationWindowSeconds", 0)
    up.setdefault("selectPolicy", "Max")
    up.setdefault(
        "policies",
        [
            {"type": "Pods", "value": 4, "periodSeconds": 15},
            {"type": "Percent", "value": 100, "periodSeconds": 15},
        ],
    )
    down = dict(behavior.get("scaleDown") or {})
    if down.get("stabilizationWindowSeconds") is None:
        down["stabilizationWindowSeconds"] = downscale_window
    down.setdefault("selectPolicy", "Max")
    down.setdefault("policies", [{"type": "Percent", "value": 100, "periodSeconds": 15}])
    return {"scaleUp": up, "scaleDown": down}


def _changes_in_period(events: list[_Sample], period: int, now: datetime) -> int:
    cutoff = now - timedelta(seconds=period)
    return sum(event.value for event in events if event.at > cutoff)


def _scale_up_limit(
    current: int, events: list[_Sample], rules: Mapping[str, Any], now: datetime
) -> int:
    policy = rules.get("selectPolicy") or "Max"
    if policy == "Disabled":
        return current
    pick: Callable[[int, int], int] = min if policy == "Min" else max
    result = _INT_MAX if policy == "Min" else _INT_MIN
    for rule in rules.get("policies") or ():
        start = current - _changes_in_period(events, int(rule.get("periodSeconds") or 0), now)
        if rule.get("type") == "Pods":
            proposed = start + int(rule.get("value") or 0)
        else:
            proposed = math.ceil(start * (1 + int(rule.get("value") or 0) / 100))
        result = pick(result, proposed)
    return result


def _scale_down_limit(
    current: int, events: list[_Sample], rules: Mapping[str, Any], now: datetime
) -> int:
    policy = rules.get("selectPolicy") or "Max"
    if policy == "Disabled":
        return current
    # the policy allowing the biggest change (Max) is the one with the lowest floor
    pick: Callable[[int, int], int] = max if policy == "Min" else min
    result = _INT_MIN if policy == "Min" else _INT_MAX
    for rule in rules.get("policies") or ():
        start = current + _changes_in_period(events, int(rule.get("periodSeconds") or 0), now)
        if rule.get("type") == "Pods":
            proposed = start - int(rule.get("value") or 0)
        else:
            proposed = int(start * (1 - int(rule.get("value") or 0) / 100))
        result = pick(result, proposed)
    return result


class Recommender:
    """The per-HPA memory the normalisation needs: recent recommendations and scale events."""

    def __init__(self, downscale_window: int = DEFAULT_DOWNSCALE_WINDOW) -> None:
        self.downscale_window = downscale_window
        self._recommendations: dict[str, list[_Sample]] = {}
        self._scale_up_events: dict[str, list[_Sample]] = {}
        self._scale_down_events: dict[str, list[_Sample]] = {}

    def forget(self, key: str) -> None:
        for store in (self._recommendations, self._scale_up_events, self._scale_down_events):
            store.pop(key, None)

    def normalize(
        self,
        key: str,
        hpa_spec: Mapping[str, Any],
        current: int,
        desired: int,
        now: datetime,
    ) -> Normalized:
        minimum = int(hpa_spec.get("minReplicas") or 1)
        maximum = int(hpa_spec.get("maxReplicas") or 0)
        if hpa_spec.get("behavior") is None:
            return self._without_behavior(key, current, desired, minimum, maximum, now)
        return self._with_behavior(key, hpa_spec, current, desired, minimum, maximum, now)

    def record_scale(
        self, key: str, hpa_spec: Mapping[str, Any], before: int, after: int, now: datetime
    ) -> None:
        """Remember a rescale for the rate policies (only HPAs with ``behavior`` use them)."""
        if hpa_spec.get("behavior") is None or before == after:
            return
        behavior = default_behavior(hpa_spec.get("behavior"), self.downscale_window)
        up = after > before
        rules = behavior["scaleUp" if up else "scaleDown"]
        longest = max(
            (int(p.get("periodSeconds") or 0) for p in rules.get("policies") or ()), default=0
        )
        store = self._scale_up_events if up else self._scale_down_events
        events = [e for e in store.get(key, []) if e.at > now - timedelta(seconds=longest)]
        events.append(_Sample(abs(after - before), now))
        store[key] = events

    # -- without behavior ----------------------------------------------------------------------

    def _without_behavior(
        self, key: str, current: int, desired: int, minimum: int, maximum: int, now: datetime
    ) -> Normalized:
        stabilized = self._stabilize(key, desired, now)
        if stabilized != desired:
            able = (
                "ScaleDownStabilized",
                "recent recommendations were higher than current one, applying the highest "
                "recent recommendation",
            )
        else:
            able = ("ReadyForNewScale", "recommended size matches current size")
        up_limit = max(2 * current, 4)
        if maximum > up_limit:
            allowed_max = up_limit
            limit = (
                "ScaleUpLimit",
                "the desired replica count is increasing faster than the maximum scale rate",
            )
        else:
            allowed_max = maximum
            limit = (
                "TooManyReplicas",
                "the desired replica count is more than the maximum replica count",
            )
        if stabilized < minimum:
            result = minimum
            limit = (
                "TooFewReplicas",
                "the desired replica count is less than the minimum replica count",
            )
        elif stabilized > allowed_max:
            result = allowed_max
        else:
            result = stabilized
            limit = ("DesiredWithinRange", "the desired count is within the acceptable range")
        return Normalized(result, *able, result != stabilized, *limit)

    def _stabilize(self, key: str, desired: int, now: datetime) -> int:
        cutoff = now - timedelta(seconds=self.downscale_window)
        samples = self._recommendations.setdefault(key, [])
        best = desired
        replaced = False
        for index, sample in enumerate(samples):
            if sample.at > cutoff:
                best = max(best, sample.value)
            elif not replaced:
                samples[index] = _Sample(desired, now)
                replaced = True
        if not replaced:
            samples.append(_Sample(desired, now))
        return best

    # -- with behavior -------------------------------------------------------------------------

    def _with_behavior(
        self,
        key: str,
        hpa_spec: Mapping[str, Any],
        current: int,
        desired: int,
        minimum: int,
        maximum: int,
        now: datetime,
    ) -> Normalized:
        behavior = default_behavior(hpa_spec.get("behavior"), self.downscale_window)
        up, down = behavior["scaleUp"], behavior["scaleDown"]
        up_window = int(up["stabilizationWindowSeconds"])
        down_window = int(down["stabilizationWindowSeconds"])
        if desired >= current:
            window, better = up_window, min
            able = (
                "ScaleUpStabilized",
                "recent recommendations were lower than current one, applying the lowest recent "
                "recommendation",
            )
        else:
            window, better = down_window, max
            able = (
                "ScaleDownStabilized",
                "recent recommendations were higher than current one, applying the highest "
                "recent recommendation",
            )
        obsolete = now - timedelta(seconds=max(up_window, down_window))
        cutoff = now - timedelta(seconds=window)
        samples = self._recommendations.setdefault(key, [])
        stabilized = desired
        old_index = None
        for index, sample in enumerate(samples):
            if sample.at > cutoff:
                stabilized = better(sample.value, stabilized)
            if sample.at < obsolete:
                old_index = index
        if old_index is not None:
            samples[old_index] = _Sample(desired, now)
        else:
            samples.append(_Sample(desired, now))
        if stabilized == desired:
            able = ("ReadyForNewScale", "recommended size matches current size")
        result, limit = (
            stabilized,
            (
                "DesiredWithinRange",
                "the desired count is within the acceptable range",
            ),
        )
        if stabilized > current:
            up_limit = max(
                _scale_up_limit(current, self._scale_up_events.get(key, []), up, now), current
            )
            if maximum > up_limit:
                allowed_max = up_limit
                reason = (
                    "ScaleUpLimit",
                    "the desired replica count is increasing faster than the maximum scale rate",
                )
            else:
                allowed_max = maximum
                reason = (
                    "TooManyReplicas",
                    "the desired replica count is more than the maximum replica count",
                )
            if stabilized > allowed_max:
                result, limit = allowed_max, reason
        elif stabilized < current:
            down_limit = min(
                _scale_down_limit(current, self._scale_down_events.get(key, []), down, now),
                current,
            )
            if minimum < down_limit:
                allowed_min = down_limit
                reason = (
                    "ScaleDownLimit",
                    "the desired replica count is decreasing faster than the maximum scale rate",
                )
            else:
                allowed_min = minimum
                reason = (
                    "TooFewReplicas",
                    "the desired replica count is less than the minimum replica count",
                )
            if stabilized < allowed_min:
                result, limit = allowed_min, reason
        return Normalized(result, *able, result != stabilized, *limit)
