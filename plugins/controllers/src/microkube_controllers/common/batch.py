"""Slow-start batching (upstream ``slowStartBatch``): run ``count`` calls in batches of 1, 2,
4, ... concurrent calls, stopping at the first batch with a failure.

A controller whose pods are all refused (quota, a bad template) thus sends one request, not
hundreds, before it backs off.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

__all__ = ["SLOW_START_INITIAL_BATCH_SIZE", "slow_start_batch"]

#: Upstream ``controller.SlowStartInitialBatchSize``.
SLOW_START_INITIAL_BATCH_SIZE = 1


async def slow_start_batch(
    count: int,
    call: Callable[[], Awaitable[object]],
    initial_batch_size: int = SLOW_START_INITIAL_BATCH_SIZE,
) -> tuple[int, BaseException | None]:
    """Run ``call`` ``count`` times; return ``(successes, first error or None)``.

    Each batch runs concurrently and is twice the previous one; after a batch in which any
    call failed no further batch starts.
    """
    remaining, successes = count, 0
    batch = min(remaining, initial_batch_size)
    while batch > 0:
        results = await asyncio.gather(*(call() for _ in range(batch)), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        for error in errors:
            if isinstance(error, asyncio.CancelledError):
                raise error
        successes += batch - len(errors)
        if errors:
            return successes, errors[0]
        remaining -= batch
        batch = min(2 * batch, remaining)
    return successes, None
