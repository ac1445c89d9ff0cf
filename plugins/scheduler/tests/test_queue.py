"""The scheduling queue: priority order, backoff, unschedulable pods and cluster events."""

from __future__ import annotations

import asyncio

import pytest
from microkube_scheduler import queue as q
from microkube_scheduler.podinfo import PodInfo
from microkube_scheduler.queue import SchedulingQueue
from objects import typed_pod


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def info(name: str, priority: int = 0) -> PodInfo:
    return PodInfo(typed_pod(name, priority=priority))


async def test_pops_highest_priority_then_oldest():
    clock = Clock()
    queue = SchedulingQueue(clock=clock)
    queue.add(info("low-old"))
    clock.now += 1
    queue.add(info("high", priority=10))
    clock.now += 1
    queue.add(info("low-new"))
    popped = [(await queue.pop()).key for _ in range(3)]
    assert popped == ["default/high", "default/low-old", "default/low-new"]


async def test_unschedulable_pod_waits_for_an_event_its_plugin_cares_about():
    clock = Clock()
    queue = SchedulingQueue(clock=clock, initial_backoff=1, max_backoff=10)
    queue.add(info("web"))
    queued = await queue.pop()
    queue.requeue_failed(queued, queue.scheduling_cycle, ["TaintToleration"])
    assert queue.counts()[q.UNSCHEDULABLE] == 1
    assert queue.move_all(q.ASSIGNED_POD_DELETE) == 0  # deleting pods does not untaint nodes
    assert queue.move_all(q.NODE_UPDATE) == 1
    assert queue.counts()[q.BACKOFF] == 1  # still backing off
    clock.now += 1.5
    assert (await queue.pop()).key == "default/web"


async def test_an_event_during_the_attempt_sends_the_failure_to_backoff():
    clock = Clock()
    queue = SchedulingQueue(clock=clock)
    queue.add(info("web"))
    queued = await queue.pop()
    cycle = queue.scheduling_cycle
    queue.move_all(q.NODE_ADD)  # arrives while "web" is being scheduled
    queue.requeue_failed(queued, cycle, ["NodeResourcesFit"])
    assert queue.counts()[q.BACKOFF] == 1


def test_backoff_doubles_up_to_the_maximum():
    queue = SchedulingQueue(initial_backoff=1, max_backoff=10)
    assert [queue.backoff_duration(n) for n in (1, 2, 3, 4, 5, 9)] == [1, 2, 4, 8, 10, 10]


async def test_long_unschedulable_pods_are_retried():
    clock = Clock()
    queue = SchedulingQueue(clock=clock, max_unschedulable=300)
    queue.add(info("web"))
    queue.requeue_failed(await queue.pop(), queue.scheduling_cycle, ["NodeAffinity"])
    queue.flush_unschedulable_leftover()
    assert queue.counts()[q.UNSCHEDULABLE] == 1
    clock.now += 301
    queue.flush_unschedulable_leftover()
    assert queue.counts()[q.ACTIVE] == 1


async def test_deleted_and_updated_pods():
    clock = Clock()
    queue = SchedulingQueue(clock=clock)
    queue.add(info("gone"))
    queue.delete("default/gone")
    assert len(queue) == 0
    queue.add(info("web"))
    queue.requeue_failed(await queue.pop(), queue.scheduling_cycle, ["NodeAffinity"])
    changed = PodInfo(typed_pod("web", cpu="200m"))
    queue.update(changed)  # the spec changed: try again
    assert queue.counts()[q.UNSCHEDULABLE] == 0


async def test_pop_waits_for_a_pod_and_a_backoff_to_end():
    queue = SchedulingQueue(initial_backoff=0.05, max_backoff=0.05)
    waiter = asyncio.create_task(queue.pop())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    queue.add(info("web"))
    queued = await asyncio.wait_for(waiter, 5)
    queue.requeue_failed(queued, queue.scheduling_cycle)  # an error: straight to backoff
    again = await asyncio.wait_for(queue.pop(), 5)
    assert again.key == "default/web" and again.attempts == 2


async def test_closed_queue_stops_the_loop():
    queue = SchedulingQueue()
    queue.close()
    with pytest.raises(asyncio.CancelledError):
        await queue.pop()
