"""Back-off of deleting failed daemon pods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from microkube_controllers.daemonset.backoff import FailedPodBackoff

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_doubles_per_failure_and_is_forgotten_with_its_daemon_set():
    backoff = FailedPodBackoff(initial=1, maximum=4)
    key = ("ns/ds", "node-1")
    assert not backoff.in_backoff(key, T0)
    backoff.next(key, T0)
    assert backoff.remaining(key, T0) == 1
    backoff.next(key, T0)
    backoff.next(key, T0)
    backoff.next(key, T0)
    assert backoff.remaining(key, T0) == 4  # capped
    assert not backoff.in_backoff(key, T0 + timedelta(seconds=5))
    backoff.forget_daemon_set("ns/ds")
    assert backoff.remaining(key, T0) == 0
