"""Cache-staleness tracking of EndpointSlice writes and the last-change trigger time."""

from __future__ import annotations

from microkube_controllers.lifecycle.endpoints.tracker import SliceTracker
from microkube_controllers.lifecycle.endpoints.triggertime import TriggerTimeTracker


def _slice(name: str, rv: str) -> dict:
    return {"metadata": {"name": name, "resourceVersion": rv}}


def test_a_service_waits_until_the_cache_shows_its_writes():
    tracker = SliceTracker()
    assert not tracker.stale("ns/s", [])
    tracker.wrote("ns/s", _slice("s-1", "10"))
    assert tracker.stale("ns/s", [])
    assert tracker.stale("ns/s", [_slice("s-1", "9")])
    assert not tracker.stale("ns/s", [_slice("s-1", "12")])
    tracker.deleted("ns/s", "s-1")
    assert tracker.stale("ns/s", [_slice("s-1", "12")])
    assert not tracker.stale("ns/s", [])


def test_the_trigger_time_is_the_earliest_change_not_seen_before():
    tracker = TriggerTimeTracker()
    service = {"metadata": {"creationTimestamp": "2024-01-01T00:00:00Z"}}

    def pod(name: str, changed: str) -> dict:
        return {
            "metadata": {"name": name, "namespace": "ns"},
            "status": {"conditions": [{"type": "Ready", "lastTransitionTime": changed}]},
        }

    first = [pod("a", "2024-01-02T00:00:00Z")]
    assert tracker.compute("ns/s", service, first) == "2024-01-01T00:00:00Z"
    assert tracker.compute("ns/s", service, first) is None
    later = [pod("a", "2024-01-02T00:00:00Z"), pod("b", "2024-01-03T00:00:00Z")]
    assert tracker.compute("ns/s", service, later) == "2024-01-03T00:00:00Z"
