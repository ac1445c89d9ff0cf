"""Periodic compaction of a storage backend's history, as kube-apiserver does it for etcd.

kube-apiserver compacts etcd every 5 minutes; a backend without a server-side compactor (the
embedded ones) runs this itself, and the etcd backend or the API server can use it too. Each
tick compacts to the newest revision that still keeps at least ``retain_revisions`` recent
revisions *and* every revision written in the last ``retain_seconds`` — whichever keeps more.
The time rule uses revisions sampled at each tick (etcd's periodic compactor does the same),
so right after a start nothing is compacted until a sample is old enough.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

from microkube.contracts.storage import CompactedError, StorageError

log = logging.getLogger(__name__)


class Compactor:
    def __init__(
        self,
        compact: Callable[[int], Awaitable[None]],
        *,
        revision: Callable[[], int],
        compacted: Callable[[], int],
        interval: float,
        retain_revisions: int,
        retain_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._compact = compact
        self._revision = revision
        self._compacted = compacted
        self.interval = interval
        self.retain_revisions = retain_revisions
        self.retain_seconds = retain_seconds
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()

    def sample(self) -> None:
        """Remember the current revision with the time (done at start and every tick)."""
        self._samples.append((self._clock(), self._revision()))

    def target(self) -> int | None:
        """The revision to compact to now, or None when nothing may be compacted."""
        current = self._revision()
        target = current - self.retain_revisions
        if self.retain_seconds:
            horizon = self._clock() - self.retain_seconds
            old_enough = [rev for at, rev in self._samples if at <= horizon]
            if not old_enough:
                return None
            # Older samples are no longer needed: the newest old-enough one decides.
            while len(self._samples) > 1 and self._samples[1][0] <= horizon:
                self._samples.popleft()
            target = min(target, old_enough[-1])
        if target <= max(0, self._compacted()):
            return None
        return target

    async def tick(self) -> int | None:
        """Sample, then compact if anything may go; return the revision compacted to."""
        self.sample()
        target = self.target()
        if target is None:
            return None
        try:
            await self._compact(target)
        except CompactedError:  # someone compacted further meanwhile
            return None
        return target

    async def run(self) -> None:
        """Tick every ``interval`` seconds until cancelled; failures are logged, not fatal."""
        self.sample()
        while True:
            await asyncio.sleep(self.interval)
            try:
                compacted = await self.tick()
            except StorageError as exc:
                log.warning("automatic compaction failed: %s", exc)
                continue
            if compacted is not None:
                log.info("compacted storage history up to revision %d", compacted)
