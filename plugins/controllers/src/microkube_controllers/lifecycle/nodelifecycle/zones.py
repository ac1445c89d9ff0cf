"""Zones and disruption, as upstream's node lifecycle controller: nodes are grouped by
region and zone; a zone whose nodes are all not ready is in ``FullDisruption``, one with more
than two not-ready nodes making at least ``unhealthy-zone-threshold`` of it in
``PartialDisruption``. When every zone is fully disrupted the controller assumes the problem
is its own (a partition of the control plane) and taints and evicts nothing. NoExecute
tainting is rate limited per zone by the state's eviction rate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any

from microkube_controllers.lifecycle.nodelifecycle.taints import ready_status

REGION_LABEL = "topology.kubernetes.io/region"
ZONE_LABEL = "topology.kubernetes.io/zone"
EXCLUDE_DISRUPTION_LABEL = "node.kubernetes.io/exclude-disruption"


class ZoneState(Enum):
    INITIAL = "Initial"
    NORMAL = "Normal"
    FULL_DISRUPTION = "FullDisruption"
    PARTIAL_DISRUPTION = "PartialDisruption"


def zone_key(node: Mapping[str, Any]) -> str:
    labels = (node.get("metadata") or {}).get("labels") or {}
    region, zone = labels.get(REGION_LABEL, ""), labels.get(ZONE_LABEL, "")
    return f"{region}:\x00:{zone}" if region or zone else ""


def zone_state(nodes: Iterable[Mapping[str, Any]], unhealthy_threshold: float) -> ZoneState:
    ready = not_ready = 0
    for node in nodes:
        if EXCLUDE_DISRUPTION_LABEL in ((node.get("metadata") or {}).get("labels") or {}):
            continue
        if ready_status(node) == "True":
            ready += 1
        else:
            not_ready += 1
    if not_ready > 0 and ready == 0:
        return ZoneState.FULL_DISRUPTION
    if not_ready > 2 and not_ready / (ready + not_ready) >= unhealthy_threshold:
        return ZoneState.PARTIAL_DISRUPTION
    return ZoneState.NORMAL


class TokenBucket:
    """``try_accept`` takes a token if one is there (``qps`` 0: never)."""

    def __init__(
        self, qps: float, burst: int = 1, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self.burst = burst
        self.set_rate(qps)
        self._tokens = float(burst)

    def set_rate(self, qps: float) -> None:
        self.qps = qps
        self._last = self._clock()
        self._tokens = float(self.burst) if qps > 0 else 0.0

    def try_accept(self) -> bool:
        if self.qps <= 0:
            return False
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.qps)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class ZoneTainter:
    """Per zone: nodes waiting for their NoExecute taint, released at the zone's rate."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.queues: dict[str, dict[str, None]] = {}
        self.limiters: dict[str, TokenBucket] = {}

    def set_rate(self, zone: str, qps: float) -> None:
        limiter = self.limiters.get(zone)
        if limiter is None:
            self.limiters[zone] = TokenBucket(qps, clock=self._clock)
        elif limiter.qps != qps:
            limiter.set_rate(qps)

    def add(self, zone: str, node: str) -> None:
        self.queues.setdefault(zone, {})[node] = None

    def remove(self, node: str) -> None:
        for queue in self.queues.values():
            queue.pop(node, None)

    def release(self) -> list[str]:
        """The nodes whose turn has come (each taken off its queue)."""
        released = []
        for zone, queue in self.queues.items():
            limiter = self.limiters.get(zone)
            while queue and limiter is not None and limiter.try_accept():
                node = next(iter(queue))
                del queue[node]
                released.append(node)
        return released


def eviction_rate(
    state: ZoneState,
    zone_size: int,
    eviction_qps: float,
    secondary_qps: float,
    large_cluster_threshold: int,
) -> float:
    """Upstream ``setLimiterInZone``."""
    if state is ZoneState.PARTIAL_DISRUPTION:
        return secondary_qps if zone_size > large_cluster_threshold else 0.0
    return eviction_qps
