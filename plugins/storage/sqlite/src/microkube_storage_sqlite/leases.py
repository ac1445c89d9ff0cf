"""Lease expiry: a task that revokes each lease when its deadline passes.

Deadlines are wall-clock times stored with the lease, so a lease that ran out while the
process was down expires (deleting its keys, with DELETE events) right after the next start,
instead of getting a fresh TTL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from microkube.contracts.storage import StorageError

log = logging.getLogger(__name__)

#: Seconds to wait before retrying an expiry that failed.
RETRY_DELAY = 1.0


class LeaseReaper:
    """Knows every live lease's deadline; :meth:`run` expires them on time."""

    def __init__(
        self,
        revoke: Callable[[int], Awaitable[object]],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._revoke = revoke
        self._clock = clock
        self._deadlines: dict[int, float] = {}
        self._wake = asyncio.Event()

    def __contains__(self, lease: int) -> bool:
        return lease in self._deadlines

    def add(self, lease: int, expires_at: float) -> None:
        self._deadlines[lease] = expires_at
        self._wake.set()

    def discard(self, lease: int) -> None:
        self._deadlines.pop(lease, None)

    async def expire_due(self) -> int:
        """Revoke every lease whose deadline has passed; return how many."""
        now = self._clock()
        due = sorted(lease for lease, at in self._deadlines.items() if at <= now)
        for lease in due:
            await self._revoke(lease)
            self.discard(lease)
        return len(due)

    async def run(self) -> None:
        """Expire leases as they fall due, until cancelled."""
        while True:
            self._wake.clear()
            deadline = min(self._deadlines.values(), default=None)
            timeout = None if deadline is None else max(0.0, deadline - self._clock())
            # asyncio.timeout, not wait_for: on 3.11 wait_for loses a cancellation that
            # arrives just as the wait completes, and this loop would then never end.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            try:
                await self.expire_due()
            except StorageError as exc:
                log.warning("lease expiry failed (will retry): %s", exc)
                await asyncio.sleep(RETRY_DELAY)
