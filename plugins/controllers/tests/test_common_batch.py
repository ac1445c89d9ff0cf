"""Slow-start batching: 1, 2, 4, ... concurrent calls, stopping after a failing batch."""

from __future__ import annotations

import asyncio

from microkube_controllers.common.batch import slow_start_batch


async def test_all_succeed_in_doubling_batches():
    running, peaks = 0, []

    async def call():
        nonlocal running
        running += 1
        peaks.append(running)
        await asyncio.sleep(0)
        running -= 1

    successes, error = await slow_start_batch(10, call)
    assert (successes, error) == (10, None)
    assert max(peaks) == 4  # batches of 1, 2, 4, then the remaining 3


async def test_stops_after_the_first_failing_batch():
    calls = 0

    async def call():
        nonlocal calls
        calls += 1
        if calls >= 3:
            raise RuntimeError("quota exceeded")

    successes, error = await slow_start_batch(100, call)
    assert calls == 3  # the batch of 2 contained a failure: no batch of 4
    assert successes == 2
    assert str(error) == "quota exceeded"


async def test_zero_count_does_nothing():
    async def call():
        raise AssertionError("must not be called")

    assert await slow_start_batch(0, call) == (0, None)
