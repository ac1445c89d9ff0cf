"""Durations and plans."""

from __future__ import annotations

import pytest
from microkube_cri_hollow.behaviour import parse_duration, plan_for
from microkube_cri_hollow.options import HollowOptions

from microkube.contracts.runtime import ContainerConfig

DURATIONS = [
    ("5s", 5_000_000_000),
    ("1m30s", 90_000_000_000),
    ("250ms", 250_000_000),
    ("2.5", 2_500_000_000),
    ("1h", 3_600_000_000_000),
]


@pytest.mark.parametrize(("text", "ns"), DURATIONS)
def test_durations(text: str, ns: int) -> None:
    assert parse_duration(text) == ns


@pytest.mark.parametrize("text", ["", "5x", "s", "-1", "1m 2s"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_annotations_win_over_commands_and_options() -> None:
    config = ContainerConfig(name="c", image="i", command=("sleep", "10"))
    options = HollowOptions(exit_after=99, memory_bytes=5)
    assert plan_for(config, {}, options).exit_after_ns == 10_000_000_000
    notes = {"hollow.microkube.io/exit-after": "1s", "hollow.microkube.io/memory": "1Ki"}
    plan = plan_for(config, notes, options)
    assert (plan.exit_after_ns, plan.memory_bytes) == (1_000_000_000, 1024)
    forever = ContainerConfig(name="c", image="i", command=("/server",))
    assert plan_for(forever, {}, options).exit_after_ns == 99_000_000_000
    assert plan_for(forever, {}, HollowOptions()).exit_after_ns is None
