"""Stabilisation windows, scale-up limits and behavior policies of the HPA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from microkube_controllers.autoscaling.normalize import Recommender, default_behavior

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SPEC = {"minReplicas": 1, "maxReplicas": 20}


def test_scale_down_waits_out_the_stabilisation_window():
    rec = Recommender(downscale_window=300)
    assert rec.normalize("k", SPEC, 5, 5, T0).replicas == 5
    held = rec.normalize("k", SPEC, 5, 2, T0 + timedelta(seconds=60))
    assert held.replicas == 5
    assert held.able_reason == "ScaleDownStabilized"
    later = rec.normalize("k", SPEC, 5, 2, T0 + timedelta(seconds=301))
    assert later.replicas == 2
    assert later.able_reason == "ReadyForNewScale"


def test_scale_up_is_immediate_but_rate_limited_and_clamped():
    rec = Recommender()
    up = rec.normalize("k", SPEC, 2, 15, T0)
    assert (up.replicas, up.limited, up.limited_reason) == (4, True, "ScaleUpLimit")
    capped = rec.normalize("k2", {"minReplicas": 1, "maxReplicas": 6}, 4, 15, T0)
    assert (capped.replicas, capped.limited_reason) == (6, "TooManyReplicas")
    floor = rec.normalize("k3", {"minReplicas": 3, "maxReplicas": 6}, 3, 1, T0)
    assert (floor.replicas, floor.limited_reason) == (3, "TooFewReplicas")
    ok = rec.normalize("k4", SPEC, 3, 5, T0)
    assert (ok.replicas, ok.limited, ok.limited_reason) == (5, False, "DesiredWithinRange")


def test_behavior_defaults():
    filled = default_behavior({"scaleDown": {"stabilizationWindowSeconds": 60}}, 300)
    assert filled["scaleDown"]["stabilizationWindowSeconds"] == 60
    assert filled["scaleUp"]["stabilizationWindowSeconds"] == 0
    assert filled["scaleUp"]["policies"][0] == {"type": "Pods", "value": 4, "periodSeconds": 15}
    assert default_behavior(None, 120)["scaleDown"]["stabilizationWindowSeconds"] == 120


def test_behavior_policies_limit_the_rate_per_period():
    spec = {
        "minReplicas": 1,
        "maxReplicas": 100,
        "behavior": {
            "scaleUp": {"policies": [{"type": "Pods", "value": 2, "periodSeconds": 60}]},
            "scaleDown": {
                "stabilizationWindowSeconds": 0,
                "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}],
            },
        },
    }
    rec = Recommender()
    first = rec.normalize("k", spec, 4, 10, T0)
    assert (first.replicas, first.limited_reason) == (6, "ScaleUpLimit")
    rec.record_scale("k", spec, 4, 6, T0)
    # within the same minute only the rest of the 2-pod budget is left: none
    second = rec.normalize("k", spec, 6, 10, T0 + timedelta(seconds=30))
    assert second.replicas == 6
    third = rec.normalize("k", spec, 6, 10, T0 + timedelta(seconds=61))
    assert third.replicas == 8
    down = Recommender().normalize("d", spec, 10, 1, T0)
    assert (down.replicas, down.limited_reason) == (5, "ScaleDownLimit")


def test_scale_up_stabilisation_uses_the_lowest_recent_recommendation():
    spec = {
        "minReplicas": 1,
        "maxReplicas": 100,
        "behavior": {"scaleUp": {"stabilizationWindowSeconds": 120}},
    }
    rec = Recommender()
    assert rec.normalize("k", spec, 4, 4, T0).replicas == 4
    held = rec.normalize("k", spec, 4, 8, T0 + timedelta(seconds=30))
    assert (held.replicas, held.able_reason) == (4, "ScaleUpStabilized")
