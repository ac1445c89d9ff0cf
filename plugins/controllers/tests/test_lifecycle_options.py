"""Reading the lifecycle controllers' options (kube-controller-manager flag names)."""

from __future__ import annotations

import pytest
from microkube_controllers.lifecycle.options import Options, parse_duration


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (40, 40.0),
        (2.5, 2.5),
        ("40s", 40.0),
        ("5m", 300.0),
        ("1h30m", 5400.0),
        ("500ms", 0.5),
        ("0", 0.0),
    ],
)
def test_durations_are_seconds_or_go_durations(value, seconds):
    assert parse_duration("x", value) == seconds


@pytest.mark.parametrize("value", ["forty", "40", "5 m", "-3s", True, [], -1])
def test_bad_durations_name_the_option(value):
    with pytest.raises(ValueError, match="option node-monitor-grace-period"):
        parse_duration("node-monitor-grace-period", value)


def test_options_fall_back_to_defaults_and_check_types():
    options = Options({"terminated-pod-gc-threshold": "7", "node-eviction-rate": 0.5})
    assert options.integer("terminated-pod-gc-threshold", 12500) == 7
    assert options.integer("missing", 3) == 3
    assert options.number("node-eviction-rate", 0.1) == 0.5
    assert options.duration("node-monitor-period", 5.0) == 5.0
    with pytest.raises(ValueError, match="option a: expected an integer"):
        Options({"a": "many"}).integer("a", 1)
    with pytest.raises(ValueError, match="controller options must be a mapping"):
        Options(["a"])  # type: ignore[arg-type]
