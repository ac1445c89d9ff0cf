"""HPA status conditions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from microkube_controllers.autoscaling.status import set_condition

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_transition_time_only_moves_when_the_status_changes():
    status: dict = {}
    set_condition(status, "AbleToScale", "True", "SucceededGetScale", "ok", T0)
    set_condition(status, "AbleToScale", "True", "ReadyForNewScale", "same", T0 + timedelta(1))
    (condition,) = status["conditions"]
    assert condition["lastTransitionTime"] == "2026-01-01T00:00:00Z"
    assert condition["reason"] == "ReadyForNewScale"
    set_condition(status, "AbleToScale", "False", "FailedGetScale", "x", T0 + timedelta(2))
    assert status["conditions"][0]["lastTransitionTime"] == "2026-01-03T00:00:00Z"
