"""The pod re-creation back-off of failing Jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from microkube_controllers.jobs.backoff import BackoffRecord, BackoffStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_delay_doubles_per_failure_up_to_the_cap():
    def remaining(failures):
        return BackoffRecord(failures, T0).remaining(T0, 10, 360)

    assert [remaining(n) for n in (0, 1, 2, 3, 6, 7)] == [0, 10, 20, 40, 320, 360]


def test_delay_counts_from_the_last_failure():
    record = BackoffRecord(2, T0)
    assert record.remaining(T0 + timedelta(seconds=15), 10, 360) == 5
    assert record.remaining(T0 + timedelta(seconds=25), 10, 360) == 0


def test_failures_accumulate_and_a_later_success_resets_them():
    store = BackoffStore()
    first = store.next_record("ns/job", [], [T0])
    assert first == BackoffRecord(1, T0)
    store.store("ns/job", first)
    second = store.next_record("ns/job", [], [T0 + timedelta(seconds=30)])
    assert second == BackoffRecord(2, T0 + timedelta(seconds=30))
    store.store("ns/job", second)
    assert store.next_record("ns/job", [T0 + timedelta(seconds=40)], []) == BackoffRecord()
    after = store.next_record("ns/job", [T0 + timedelta(seconds=40)], [T0 + timedelta(seconds=50)])
    assert after == BackoffRecord(1, T0 + timedelta(seconds=50))
    store.forget("ns/job")
    assert store.get("ns/job") == BackoffRecord()
