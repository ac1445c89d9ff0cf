"""Expectations: counts lowered by observations, expiry, per-pod deletion tracking."""

from __future__ import annotations

import pytest
from microkube_controllers.common.expectations import Expectations, UIDTrackingExpectations


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_unknown_key_is_satisfied():
    assert Expectations().satisfied("default/web")


def test_creations_must_all_be_observed():
    exp = Expectations()
    exp.expect_creations("default/web", 2)
    assert not exp.satisfied("default/web")
    exp.creation_observed("default/web")
    assert not exp.satisfied("default/web")
    exp.creation_observed("default/web")
    assert exp.satisfied("default/web")


def test_expired_expectations_are_satisfied():
    clock = Clock()
    exp = Expectations(clock=clock)
    exp.expect_creations("default/web", 3)
    clock.now += 5 * 60 - 1
    assert not exp.satisfied("default/web")
    clock.now += 2
    assert exp.satisfied("default/web")


def test_raise_lower_and_delete():
    exp = Expectations()
    exp.expect_creations("k", 1)
    exp.raise_expectations("k", 1, 1)
    record = exp.get("k")
    assert (record.add, record.delete) == (2, 1)
    exp.lower_expectations("k", 2, 1)
    assert exp.satisfied("k")
    exp.delete_expectations("k")
    assert exp.get("k") is None


def test_uid_tracking_counts_each_pod_once():
    exp = UIDTrackingExpectations()
    exp.expect_deletions("default/web", ["default/a", "default/b"])
    exp.deletion_observed("default/web", "default/a")
    exp.deletion_observed("default/web", "default/a")  # seen again: not counted twice
    assert not exp.satisfied("default/web")
    exp.deletion_observed("default/web", "default/other")  # not expected: ignored
    assert not exp.satisfied("default/web")
    exp.deletion_observed("default/web", "default/b")
    assert exp.satisfied("default/web")
    assert exp.deletions_expected("default/web") == set()


def test_uid_tracking_needs_pod_keys():
    with pytest.raises(TypeError):
        UIDTrackingExpectations().expect_deletions("k", 2)


def test_uid_tracking_delete_forgets_keys():
    exp = UIDTrackingExpectations()
    exp.expect_deletions("k", ["ns/a"])
    exp.delete_expectations("k")
    assert exp.deletions_expected("k") == set()
    assert exp.satisfied("k")
