"""Work queue semantics (client-go's) and the rate limiters, with short or virtual timings."""

from __future__ import annotations

import asyncio

import pytest

from microkube.client.ratelimit import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
    MaxOfRateLimiter,
    RateLimiter,
    default_controller_rate_limiter,
)
from microkube.client.workqueue import DelayingQueue, RateLimitingQueue, ShutDown, WorkQueue


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_an_item_is_queued_once() -> None:
    queue: WorkQueue[str] = WorkQueue()
    for item in ("a", "b", "a", "a"):
        queue.add(item)
    assert len(queue) == 2
    assert [await queue.get(), await queue.get()] == ["a", "b"]
    assert len(queue) == 0


async def test_added_while_processing_is_requeued_after_done() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    item = await queue.get()
    queue.add("a")
    queue.add("a")
    assert len(queue) == 0  # not handed to a second worker while the first holds it
    queue.done(item)
    assert len(queue) == 1 and await queue.get() == "a"
    queue.done("a")
    assert len(queue) == 0


async def test_get_waits_for_add_and_wakes_one_worker_per_item() -> None:
    queue: WorkQueue[int] = WorkQueue()
    workers = [asyncio.create_task(queue.get()) for _ in range(3)]
    await asyncio.sleep(0)
    queue.add(1)
    await asyncio.sleep(0)
    done = [w for w in workers if w.done()]
    assert len(done) == 1 and done[0].result() == 1
    workers[1].cancel()  # a cancelled waiter does not swallow a wake-up
    queue.add(2)
    results = {await w for w in workers if w is not workers[1] and w not in done}
    assert results == {2}


async def test_shut_down_hands_out_what_is_left_then_raises() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    waiting = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    assert waiting.result() == "a"
    queue.add("b")
    blocked = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.shut_down()
    queue.add("c")  # ignored
    assert queue.shutting_down
    assert await blocked == "b"
    with pytest.raises(ShutDown):
        await queue.get()


async def test_shut_down_with_drain_waits_for_processing() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    item = await queue.get()
    drain = asyncio.create_task(queue.shut_down_with_drain())
    await asyncio.sleep(0.01)
    assert not drain.done()
    queue.done(item)
    await asyncio.wait_for(drain, 1)


async def test_add_after_delays_and_the_earliest_wins() -> None:
    queue: DelayingQueue[str] = DelayingQueue()
    loop = asyncio.get_running_loop()
    start = loop.time()
    queue.add_after("a", 0.2)
    queue.add_after("a", 0.03)  # earlier: replaces
    queue.add_after("a", 0.5)  # later: ignored
    assert queue.waiting == 1 and len(queue) == 0
    assert await asyncio.wait_for(queue.get(), 1) == "a"
    assert 0.025 <= loop.time() - start < 0.15
    queue.done("a")
    queue.add_after("b", 0)
    assert len(queue) == 1
    queue.add_after("c", 10)
    queue.shut_down()
    assert queue.waiting == 0


class Recording:
    """A limiter answering a fixed delay and counting calls."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.failures: dict[str, int] = {}

    def when(self, item: str) -> float:
        self.failures[item] = self.failures.get(item, 0) + 1
        return self.delay

    def forget(self, item: str) -> None:
        self.failures.pop(item, None)

    def num_requeues(self, item: str) -> int:
        return self.failures.get(item, 0)


async def test_rate_limited_adds_and_forget() -> None:
    limiter = Recording(0.02)
    assert isinstance(limiter, RateLimiter)
    queue: RateLimitingQueue[str] = RateLimitingQueue(limiter)
    queue.add_rate_limited("a")
    queue.add_rate_limited("a")
    assert queue.num_requeues("a") == 2 and len(queue) == 0
    assert await asyncio.wait_for(queue.get(), 1) == "a"
    queue.forget("a")
    queue.done("a")
    assert queue.num_requeues("a") == 0
    assert isinstance(RateLimitingQueue().rate_limiter, MaxOfRateLimiter)


def test_exponential_failure_limiter() -> None:
    limiter = ItemExponentialFailureRateLimiter(0.005, 1000.0)
    delays = [limiter.when("a") for _ in range(5)]
    assert delays == pytest.approx([0.005, 0.01, 0.02, 0.04, 0.08])
    assert limiter.when("b") == pytest.approx(0.005)
    assert limiter.num_requeues("a") == 5
    for _ in range(30):
        limiter.when("a")
    assert limiter.when("a") == 1000.0
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0 and limiter.when("a") == pytest.approx(0.005)
    huge = ItemExponentialFailureRateLimiter(1.0, float("inf"))
    for _ in range(1100):
        last = huge.when("x")
    assert last == float("inf")


def test_fast_slow_limiter() -> None:
    limiter = ItemFastSlowRateLimiter(0.1, 5.0, 2)
    assert [limiter.when("a") for _ in range(4)] == [0.1, 0.1, 5.0, 5.0]
    limiter.forget("a")
    assert limiter.when("a") == 0.1 and limiter.num_requeues("a") == 1


def test_bucket_limiter_with_a_virtual_clock() -> None:
    clock = FakeClock()
    bucket = BucketRateLimiter(qps=10.0, burst=100, clock=clock)
    assert all(bucket.when(i) == 0.0 for i in range(100))
    assert bucket.when("x") == pytest.approx(0.1)
    assert bucket.when("y") == pytest.approx(0.2)
    clock.now += 1.0  # ten tokens back; eight pay the debt of two
    assert [bucket.when(i) for i in range(8)] == [0.0] * 8
    assert bucket.when("z") == pytest.approx(0.1)
    assert bucket.num_requeues("x") == 0
    with pytest.raises(ValueError):
        BucketRateLimiter(qps=0)


def test_default_controller_limiter_takes_the_max() -> None:
    clock = FakeClock()
    limiter = MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(0.005, 1000.0), BucketRateLimiter(10.0, 100, clock)
    )
    assert limiter.when("a") == pytest.approx(0.005)
    for i in range(99):
        limiter.when(i)
    assert limiter.when("b") == pytest.approx(0.1)  # the bucket is empty: it dominates
    assert limiter.num_requeues("a") == 1
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    default = default_controller_rate_limiter()
    exponential, bucket = default.limiters
    assert (exponential.base_delay, exponential.max_delay) == (0.005, 1000.0)
    assert (bucket.qps, bucket.burst) == (10.0, 100)
