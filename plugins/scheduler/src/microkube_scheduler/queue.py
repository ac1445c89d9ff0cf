"""The scheduling queue, as kube-scheduler's ``PriorityQueue``.

Three sub-queues hold pods waiting for a scheduling attempt:

- **active**: ready now, popped highest priority first, then oldest first (PrioritySort);
- **backoff**: failed recently, waiting out an exponential back-off (``podInitialBackoffSeconds``
  doubling per attempt up to ``podMaxBackoffSeconds``) before returning to active;
- **unschedulable**: found no node; they stay until a cluster event that could help them
  (a node added, a pod deleted, ...) moves them out, or for at most
  ``podMaxInUnschedulablePodsDuration`` (5 minutes).

An event that arrives while a pod is being scheduled sends that pod, should it fail, to
backoff rather than unschedulable (upstream's move-request cycle), so the event is not missed.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable, Iterable

from microkube_scheduler.podinfo import PodInfo

ACTIVE = "active"
BACKOFF = "backoff"
UNSCHEDULABLE = "unschedulable"
IN_FLIGHT = "in-flight"

#: Cluster events that re-queue unschedulable pods.
NODE_ADD = "NodeAdd"
NODE_UPDATE = "NodeUpdate"
NODE_DELETE = "NodeDelete"
ASSIGNED_POD_ADD = "AssignedPodAdd"
ASSIGNED_POD_UPDATE = "AssignedPodUpdate"
ASSIGNED_POD_DELETE = "AssignedPodDelete"
UNSCHEDULABLE_TIMEOUT = "UnschedulableTimeout"
FORCE_ACTIVATE = "ForceActivate"

#: Which events may make a pod rejected by a default plugin schedulable. A plugin not listed
#: (a third party's) is retried on every event.
PLUGIN_EVENTS: dict[str, frozenset[str]] = {
    "NodeName": frozenset({NODE_ADD}),
    "NodeUnschedulable": frozenset({NODE_ADD, NODE_UPDATE}),
    "NodeResourcesFit": frozenset(
        {NODE_ADD, NODE_UPDATE, ASSIGNED_POD_DELETE, ASSIGNED_POD_UPDATE}
    ),
    "NodeAffinity": frozenset({NODE_ADD, NODE_UPDATE}),
    "TaintToleration": frozenset({NODE_ADD, NODE_UPDATE}),
    "NodePorts": frozenset({NODE_ADD, ASSIGNED_POD_DELETE}),
    "InterPodAffinity": frozenset(
        {NODE_ADD, NODE_UPDATE, ASSIGNED_POD_ADD, ASSIGNED_POD_UPDATE, ASSIGNED_POD_DELETE}
    ),
    "PodTopologySpread": frozenset(
        {
            NODE_ADD,
            NODE_UPDATE,
            NODE_DELETE,
            ASSIGNED_POD_ADD,
            ASSIGNED_POD_UPDATE,
            ASSIGNED_POD_DELETE,
        }
    ),
}
_ALWAYS = frozenset({UNSCHEDULABLE_TIMEOUT, FORCE_ACTIVATE})


class QueuedPodInfo:
    """A pod in the queue and its scheduling history."""

    __slots__ = (
        "attempts",
        "backoff_until",
        "info",
        "initial_attempt",
        "seq",
        "timestamp",
        "unschedulable_plugins",
        "where",
    )

    def __init__(self, info: PodInfo, now: float) -> None:
        self.info = info
        self.timestamp = now
        self.initial_attempt = 0.0
        self.attempts = 0
        self.unschedulable_plugins: frozenset[str] = frozenset()
        self.backoff_until = 0.0
        self.seq = 0
        self.where = ""

    @property
    def key(self) -> str:
        return self.info.key

    def __repr__(self) -> str:
        return f"<QueuedPodInfo {self.key} {self.where} attempts={self.attempts}>"


class SchedulingQueue:
    def __init__(
        self,
        *,
        initial_backoff: float = 1.0,
        max_backoff: float = 10.0,
        max_unschedulable: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.max_unschedulable = max_unschedulable
        self.clock = clock
        self._pods: dict[str, QueuedPodInfo] = {}
        self._active: list[tuple[int, float, int, str]] = []
        self._backoff: list[tuple[float, int, str]] = []
        self._unschedulable: dict[str, QueuedPodInfo] = {}
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._closed = False
        self.scheduling_cycle = 0
        self._move_request_cycle = -1

    # -- sizes (for tests and metrics) -------------------------------------------------------

    def counts(self) -> dict[str, int]:
        found = {ACTIVE: 0, BACKOFF: 0, UNSCHEDULABLE: 0, IN_FLIGHT: 0}
        for queued in self._pods.values():
            found[queued.where] += 1
        return found

    def __len__(self) -> int:
        return len(self._pods)

    def __contains__(self, key: object) -> bool:
        return key in self._pods

    def get(self, key: str) -> QueuedPodInfo | None:
        return self._pods.get(key)

    # -- moving between sub-queues ---------------------------------------------------------

    def _to_active(self, queued: QueuedPodInfo) -> None:
        queued.where = ACTIVE
        queued.seq = next(self._seq)
        heapq.heappush(
            self._active, (-queued.info.priority, queued.timestamp, queued.seq, queued.key)
        )
        self._wake.set()

    def _to_backoff(self, queued: QueuedPodInfo) -> None:
        queued.where = BACKOFF
        queued.seq = next(self._seq)
        heapq.heappush(self._backoff, (queued.backoff_until, queued.seq, queued.key))
        self._wake.set()

    def _to_unschedulable(self, queued: QueuedPodInfo) -> None:
        queued.where = UNSCHEDULABLE
        queued.seq = next(self._seq)
        self._unschedulable[queued.key] = queued

    def _leave(self, queued: QueuedPodInfo) -> None:
        if queued.where == UNSCHEDULABLE:
            self._unschedulable.pop(queued.key, None)
        queued.seq = -1  # heap entries of another seq are stale and skipped

    def backoff_duration(self, attempts: int) -> float:
        duration = self.initial_backoff
        for _ in range(1, attempts):
            duration *= 2
            if duration >= self.max_backoff:
                return self.max_backoff
        return min(duration, self.max_backoff)

    # -- pods arriving, changing, leaving --------------------------------------------------

    def add(self, info: PodInfo) -> None:
        """A new pending pod (or one seen again after a re-list)."""
        queued = self._pods.get(info.key)
        if queued is not None:
            self.update(info)
            return
        queued = QueuedPodInfo(info, self.clock())
        self._pods[info.key] = queued
        self._to_active(queued)

    def update(self, info: PodInfo) -> None:
        """The pending pod changed: store it, and give an unschedulable one another try."""
        queued = self._pods.get(info.key)
        if queued is None:
            self.add(info)
            return
        changed = queued.info.pod.spec != info.pod.spec or queued.info.labels != info.labels
        queued.info = info
        if queued.where == ACTIVE:
            self._leave(queued)
            self._to_active(queued)
        elif queued.where == UNSCHEDULABLE and changed:
            self._leave(queued)
            self._requeue(queued)

    def delete(self, key: str) -> None:
        queued = self._pods.pop(key, None)
        if queued is not None:
            self._leave(queued)

    def _requeue(self, queued: QueuedPodInfo) -> None:
        if queued.backoff_until > self.clock():
            self._to_backoff(queued)
        else:
            self._to_active(queued)

    # -- the scheduling loop's side ---------------------------------------------------------

    async def pop(self) -> QueuedPodInfo:
        """The next pod to schedule; waits while active is empty. Raises CancelledError when
        the queue is closed."""
        while True:
            self.flush_backoff()
            while self._active:
                _, _, seq, key = heapq.heappop(self._active)
                queued = self._pods.get(key)
                if queued is None or queued.seq != seq or queued.where != ACTIVE:
                    continue
                queued.where = IN_FLIGHT
                queued.attempts += 1
                if queued.attempts == 1:
                    queued.initial_attempt = self.clock()
                self.scheduling_cycle += 1
                return queued
            if self._closed:
                raise asyncio.CancelledError("scheduling queue closed")
            self._wake.clear()
            wait = self._next_backoff_wait()
            try:
                async with asyncio.timeout(wait):
                    await self._wake.wait()
            except TimeoutError:
                pass

    def _next_backoff_wait(self) -> float | None:
        while self._backoff:
            until, seq, key = self._backoff[0]
            queued = self._pods.get(key)
            if queued is None or queued.seq != seq or queued.where != BACKOFF:
                heapq.heappop(self._backoff)
                continue
            return max(0.0, until - self.clock())
        return None

    def done(self, key: str) -> None:
        """The pod was scheduled (or given up): it leaves the queue."""
        queued = self._pods.get(key)
        if queued is not None and queued.where == IN_FLIGHT:
            del self._pods[key]

    def requeue_failed(
        self, queued: QueuedPodInfo, cycle: int, unschedulable_plugins: Iterable[str] = ()
    ) -> None:
        """After a failed attempt: to unschedulable, or to backoff when an event arrived
        during the attempt or the failure was an error (no plugins to blame)."""
        if self._pods.get(queued.key) is not queued or queued.where != IN_FLIGHT:
            return  # deleted (or replaced) while in flight
        queued.unschedulable_plugins = frozenset(unschedulable_plugins)
        queued.backoff_until = self.clock() + self.backoff_duration(queued.attempts)
        queued.timestamp = self.clock()
        if self._move_request_cycle >= cycle or not queued.unschedulable_plugins:
            self._to_backoff(queued)
        else:
            self._to_unschedulable(queued)

    def flush_backoff(self) -> None:
        """Move pods whose back-off ended to active."""
        now = self.clock()
        while self._backoff:
            until, seq, key = self._backoff[0]
            queued = self._pods.get(key)
            if queued is None or queued.seq != seq or queued.where != BACKOFF:
                heapq.heappop(self._backoff)
                continue
            if until > now:
                break
            heapq.heappop(self._backoff)
            self._to_active(queued)

    def flush_unschedulable_leftover(self) -> None:
        """Give pods that sat unschedulable longer than ``max_unschedulable`` another try."""
        now = self.clock()
        stale = [
            q for q in self._unschedulable.values() if now - q.timestamp > self.max_unschedulable
        ]
        for queued in stale:
            self._leave(queued)
            self._requeue(queued)

    def move_all(
        self, event: str, interested: Callable[[QueuedPodInfo], bool] | None = None
    ) -> int:
        """A cluster event happened: move the unschedulable pods it may help (backoff or
        active); returns how many moved."""
        self._move_request_cycle = self.scheduling_cycle
        moved = 0
        for queued in list(self._unschedulable.values()):
            if not _event_may_help(event, queued.unschedulable_plugins):
                continue
            if interested is not None and not interested(queued):
                continue
            self._leave(queued)
            self._requeue(queued)
            moved += 1
        if moved:
            self._wake.set()
        return moved

    def close(self) -> None:
        self._closed = True
        self._wake.set()


def _event_may_help(event: str, plugins: frozenset[str]) -> bool:
    if event in _ALWAYS or not plugins:
        return True
    for plugin in plugins:
        events = PLUGIN_EVENTS.get(plugin)
        if events is None or event in events:
            return True
    return False
