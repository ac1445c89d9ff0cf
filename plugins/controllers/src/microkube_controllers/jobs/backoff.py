"""Pod re-creation back-off of failed Jobs (upstream's ``backoffRecord``).

After a pod fails, its replacement waits ``base * 2**(failures - 1)`` seconds (10 s doubling to
6 min by default) from the last failure; a success in between starts the count again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

__all__ = ["DEFAULT_BACKOFF", "MAX_BACKOFF", "BackoffRecord", "BackoffStore"]

DEFAULT_BACKOFF = 10.0
MAX_BACKOFF = 360.0


@attrs.frozen
class BackoffRecord:
    failures_after_last_success: int = 0
    last_failure: datetime | None = None

    def remaining(self, now: datetime, base: float, maximum: float) -> float:
        """Seconds to wait before creating a replacement pod (0: create now)."""
        if self.failures_after_last_success == 0 or self.last_failure is None:
            return 0.0
        delay = min(base * 2 ** (self.failures_after_last_success - 1), maximum)
        elapsed = (now - self.last_failure).total_seconds()
        return max(delay - elapsed, 0.0)


class BackoffStore:
    """The back-off record of each Job key, updated as newly finished pods are counted."""

    def __init__(self) -> None:
        self._records: dict[str, BackoffRecord] = {}

    def get(self, key: str) -> BackoffRecord:
        return self._records.get(key, BackoffRecord())

    def next_record(
        self,
        key: str,
        succeeded_at: Iterable[datetime],
        failed_at: Iterable[datetime],
    ) -> BackoffRecord:
        """The record after these newly counted successes and failures (not yet stored)."""
        record = self.get(key)
        successes = sorted(succeeded_at)
        failures = sorted(failed_at)
        if not failures and not successes:
            return record
        if successes:
            last_success = successes[-1]
            later = [moment for moment in failures if moment > last_success]
            if not later:
                return BackoffRecord()
            return BackoffRecord(len(later), later[-1])
        last = failures[-1]
        if record.last_failure is not None and record.last_failure > last:
            last = record.last_failure
        return BackoffRecord(record.failures_after_last_success + len(failures), last)

    def store(self, key: str, record: BackoffRecord) -> None:
        self._records[key] = record

    def forget(self, key: str) -> None:
        self._records.pop(key, None)
