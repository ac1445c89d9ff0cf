"""The per-key back-off (client-go's ``flowcontrol.Backoff`` semantics)."""

from __future__ import annotations

from microkube_kubelet.backoff import Backoff


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_first_failure_is_retried_at_once_then_delays_double_up_to_the_cap():
    clock = Clock()
    backoff = Backoff(10, 300, clock)
    assert not backoff.in_backoff_since("c", clock.now)
    delays = []
    for _ in range(7):
        failed_at = clock.now
        backoff.next("c", failed_at)
        delays.append(backoff.get("c"))
        assert backoff.in_backoff_since("c", failed_at)
        clock.now += backoff.get("c") + 1
        assert not backoff.in_backoff_since("c", failed_at)
    assert delays == [10, 20, 40, 80, 160, 300, 300]


def test_remaining_and_reset_after_twice_the_cap():
    clock = Clock()
    backoff = Backoff(10, 300, clock)
    backoff.next("c", clock.now)
    backoff.next("c", clock.now)
    assert backoff.get("c") == 20
    assert backoff.remaining("c", clock.now) == 20
    clock.now += 601  # ran for more than 10 minutes
    assert not backoff.in_backoff_since("c", clock.now)
    backoff.next("c", clock.now)
    assert backoff.get("c") == 10
    backoff.forget("c")
    assert backoff.get("c") == 0
