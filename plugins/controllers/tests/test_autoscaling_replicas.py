"""The HPA replica calculation: ratio, tolerance, unready and missing pods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from microkube_controllers.autoscaling.metrics import PodMetric
from microkube_controllers.autoscaling.replicas import (
    MetricError,
    replicas_for_average_value,
    replicas_for_utilization,
)

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LONG_AGO = "2026-01-01T11:00:00Z"


def pod(name, *, request="100m", phase="Running", ready=True, started=LONG_AGO, since=LONG_AGO):
    return {
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": request}}}]},
        "status": {
            "phase": phase,
            "startTime": started,
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "lastTransitionTime": since,
                }
            ],
        },
    }


def usage(**milli):
    return {name: PodMetric(value, NOW, timedelta(seconds=30)) for name, value in milli.items()}


def test_scales_by_the_usage_ratio():
    pods = [pod("a"), pod("b")]
    got = replicas_for_utilization(2, 50, pods, usage(a=200, b=200), "cpu", NOW)
    assert got.replicas == 8  # 200 % of request against a 50 % target: 4x
    assert got.utilization == 200
    assert got.average_milli == 200
    down = replicas_for_utilization(4, 50, pods, usage(a=10, b=10), "cpu", NOW)
    assert down.replicas == 1  # ceil(0.2 * 2)


def test_within_tolerance_nothing_changes():
    pods = [pod("a"), pod("b")]
    assert replicas_for_utilization(2, 50, pods, usage(a=54, b=54), "cpu", NOW).replicas == 2
    assert replicas_for_utilization(2, 50, pods, usage(a=56, b=56), "cpu", NOW).replicas == 3


def test_missing_pods_count_as_full_on_a_scale_down():
    pods = [pod("a"), pod("b"), pod("c")]
    # a and b idle, c has no sample: it is assumed to use its whole request (100 %)
    got = replicas_for_utilization(3, 50, pods, usage(a=10, b=10), "cpu", NOW)
    # (10 + 10 + 100) / 300 = 40 % -> ratio 0.8 -> ceil(0.8 * 3) = 3
    assert got.replicas == 3
    # on a scale-up they count as idle: (200 + 200 + 0) / 300 = 133 % -> ceil(2.67 * 3) = 8
    assert replicas_for_utilization(3, 50, pods, usage(a=200, b=200), "cpu", NOW).replicas == 8


def test_unready_pods_count_as_idle_when_scaling_up():
    starting = pod("new", ready=False, started="2026-01-01T11:59:00Z", since="2026-01-01T11:59:00Z")
    pods = [pod("a"), starting]
    got = replicas_for_utilization(2, 50, pods, usage(a=200, new=200), "cpu", NOW)
    # only a is ready (200 %); with new counted idle: 100 % -> ratio 2 -> ceil(2 * 2) = 4
    assert got.replicas == 4
    pending = pod("p", phase="Pending")
    assert (
        replicas_for_utilization(2, 50, [pod("a"), pending], usage(a=25), "cpu", NOW).replicas == 1
    )


def test_deleted_and_failed_pods_are_ignored():
    gone = pod("gone")
    gone["metadata"]["deletionTimestamp"] = LONG_AGO
    failed = pod("failed", phase="Failed")
    pods = [pod("a"), gone, failed]
    got = replicas_for_utilization(3, 50, pods, usage(a=100, gone=0, failed=0), "cpu", NOW)
    assert got.replicas == 2


def test_errors_name_the_cause():
    with pytest.raises(MetricError, match="did not receive metrics"):
        replicas_for_utilization(1, 50, [pod("a")], {}, "cpu", NOW)
    with pytest.raises(MetricError, match="missing request for cpu in container c of Pod a"):
        no_request = pod("a")
        no_request["spec"]["containers"][0]["resources"] = {}
        replicas_for_utilization(1, 50, [no_request], usage(a=10), "cpu", NOW)


def test_average_value_target():
    pods = [pod("a"), pod("b")]
    got = replicas_for_average_value(2, 100, pods, usage(a=300, b=300), "cpu", NOW)
    assert got.replicas == 6 and got.utilization is None and got.average_milli == 300
